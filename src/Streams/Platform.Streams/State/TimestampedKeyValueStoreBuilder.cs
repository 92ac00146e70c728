using Platform.Streams.SerDes;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>Builds timestamped key-value stores (values with the timestamp of their last write), as DSL tables use.</summary>
public sealed class TimestampedKeyValueStoreBuilder<TKey, TValue> : StoreBuilderBase<ITimestampedKeyValueStore<TKey, TValue>>
{
    private readonly IKeyValueBytesStoreSupplier _supplier;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;

    /// <summary>A builder over <paramref name="supplier"/>; serdes are for the plain key and value.</summary>
    public TimestampedKeyValueStoreBuilder(IKeyValueBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        : base(supplier?.Name ?? throw new ArgumentNullException(nameof(supplier)))
    {
        _supplier = supplier;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
    }

    /// <inheritdoc/>
    public override ITimestampedKeyValueStore<TKey, TValue> Build()
        => new MeteredTimestampedKeyValueStore<TKey, TValue>(Layers.Wrap(_supplier.Get(), LoggingEnabled, CachingEnabled, timestamped: true), _keySerde, _valueSerde);
}
