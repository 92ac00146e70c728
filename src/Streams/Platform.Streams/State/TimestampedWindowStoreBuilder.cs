using Platform.Streams.SerDes;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>
/// Builds timestamped window stores, as DSL windowed aggregations use. The changelog is <c>compact,delete</c>
/// with <c>retention.ms</c> = the store's retention. Window stores write through to the byte store (no record
/// cache): <see cref="StoreBuilderBase{TStore}.CachingEnabled"/> does not change what they emit.
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
            store = new ChangeLoggingWindowBytesStore(store, timestamped: true);
        }

        return new MeteredTimestampedWindowStore<TKey, TValue>(store, _keySerde, _valueSerde);
    }
}
