using Platform.Streams.SerDes;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>
/// Builds timestamped window stores, as DSL windowed aggregations use. The changelog is <c>compact,delete</c>
/// with <c>retention.ms</c> = the store's retention. With <see cref="StoreBuilderBase{TStore}.CachingEnabled"/> (the
/// default, as in Kafka) writes go through the record cache, so a DSL aggregation emits one update per window and
/// commit interval; without it every update goes downstream at once.
/// </summary>
public sealed class TimestampedWindowStoreBuilder<TKey, TValue> : StoreBuilderBase<ITimestampedWindowStore<TKey, TValue>>
{
    private readonly IWindowBytesStoreSupplier _supplier;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;

    /// <summary>A builder over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public TimestampedWindowStoreBuilder(IWindowBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        : base(supplier?.Name ?? throw new ArgumentNullException(nameof(supplier)))
    {
        _supplier = supplier;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
        WithLoggingEnabled(WindowedChangelogConfig.For(supplier.RetentionPeriodMs));
    }

    /// <inheritdoc/>
    public override ITimestampedWindowStore<TKey, TValue> Build()
    {
        var store = _supplier.Get();
        if (LoggingEnabled)
        {
            store = new ChangeLoggingWindowBytesStore(store, timestamped: true, _supplier.RetainDuplicates);
        }

        if (CachingEnabled)
        {
            store = new CachingWindowStore(store, _supplier.WindowSizeMs, _supplier.RetentionPeriodMs);
        }

        return new MeteredTimestampedWindowStore<TKey, TValue>(store, _keySerde, _valueSerde);
    }
}
