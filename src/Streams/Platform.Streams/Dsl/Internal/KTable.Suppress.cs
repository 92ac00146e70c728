namespace Platform.Streams.Dsl.Internal;

/// <summary>Suppression of a table's updates.</summary>
internal sealed partial class KTable<TKey, TValue>
{
    public IKTable<TKey, TValue> Suppress(Suppressed suppressed)
    {
        ArgumentNullException.ThrowIfNull(suppressed);
        var waitMs = suppressed.TimeLimitMs;
        if (suppressed.FinalResultsOnly)
        {
            waitMs = ValueSource is IWindowedAggregateSource windowed
                ? windowed.GracePeriodMs
                : throw new InvalidOperationException($"Suppress(UntilWindowCloses) after '{Name}' needs the table of a windowed aggregation (WindowedBy(...).Count/Reduce/Aggregate) directly upstream.");
        }

        // As in Kafka: the processor takes its number first, then the store; a given name names both.
        var name = suppressed.Name ?? Builder.NewProcessorName("KTABLE-SUPPRESS-");
        var storeName = suppressed.Name is { } given ? given + "-store" : Builder.NewStoreName("KTABLE-SUPPRESS-");
        ValueSource.EnableSendingOldValues(true);
        var suppress = new KTableSuppress<TKey, TValue>(suppressed, waitMs, storeName, ValueSource);
        var keySerde = KeySerde;
        var valueSerde = ValueSerde;
        Builder.AddStateStore(storeName, () => new SuppressionBufferBuilder<TKey, TValue>(storeName, keySerde, valueSerde));
        Builder.AddProcessor(name, suppress.Get, [Name], storeName);
        return new KTable<TKey, TValue>(Builder, name, KeySerde, ValueSerde, SourceNodes, null, suppress);
    }
}
