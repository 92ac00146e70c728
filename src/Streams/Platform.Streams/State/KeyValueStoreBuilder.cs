using Platform.Streams.SerDes;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>
/// Builds key-value stores from a byte store supplier and serdes (null: the configured defaults), layered as
/// Kafka does: typed on top, then the record cache, then the changelog, then the byte store.
/// </summary>
public sealed class KeyValueStoreBuilder<TKey, TValue> : StoreBuilderBase<IKeyValueStore<TKey, TValue>>
{
    private readonly IKeyValueBytesStoreSupplier _supplier;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;

    /// <summary>A builder over <paramref name="supplier"/>.</summary>
    public KeyValueStoreBuilder(IKeyValueBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        : base(supplier?.Name ?? throw new ArgumentNullException(nameof(supplier)))
    {
        _supplier = supplier;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
    }

    /// <inheritdoc/>
    public override IKeyValueStore<TKey, TValue> Build()
        => new MeteredKeyValueStore<TKey, TValue>(Layers.Wrap(_supplier.Get(), LoggingEnabled, CachingEnabled, timestamped: false), _keySerde, _valueSerde);
}
