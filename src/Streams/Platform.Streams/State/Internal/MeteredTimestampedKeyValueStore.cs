using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>The typed outer layer of a timestamped key-value store: values are stored as timestamp + value.</summary>
internal sealed class MeteredTimestampedKeyValueStore<TKey, TValue>(IKeyValueStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : MeteredKeyValueStore<TKey, ValueAndTimestamp<TValue>>(inner, keySerde, valueSerde is null ? null : new ValueAndTimestampSerde<TValue>(valueSerde)),
      ITimestampedKeyValueStore<TKey, TValue>
{
    protected override ISerde<ValueAndTimestamp<TValue>> DefaultValueSerde(StreamsConfig config)
        => new ValueAndTimestampSerde<TValue>(Defaults.Serde<TValue>(config, isKey: false, $"state store '{Name}'"));
}
