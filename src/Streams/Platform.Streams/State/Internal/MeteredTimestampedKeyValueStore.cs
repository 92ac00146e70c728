using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>The typed outer layer of a timestamped key-value store: values are stored as timestamp + value.</summary>
internal sealed class MeteredTimestampedKeyValueStore<TKey, TValue>(IKeyValueStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : MeteredKeyValueStore<TKey, ValueAndTimestamp<TValue>>(inner, keySerde, valueSerde is null ? null : new ValueAndTimestampSerde<TValue>(valueSerde)),
      ITimestampedKeyValueStore<TKey, TValue>, ITimestampedSerializedKeyStore<TKey, TValue>
{
    public bool TryGet(Bytes key, out TValue value, out long timestamp)
    {
        var bytes = Inner.Get(key);
        if (bytes is null)
        {
            value = default!;
            timestamp = 0;
            return false;
        }

        value = Stamped.Deserialize(bytes, new SerializationContext(MessageComponentType.Value, SerdeTopic), out timestamp);
        return true;
    }

    public void Put(Bytes key, TValue value, long timestamp)
        => Inner.Put(key, Stamped.Serialize(value, timestamp, new SerializationContext(MessageComponentType.Value, SerdeTopic)));

    protected override ISerde<ValueAndTimestamp<TValue>> DefaultValueSerde(StreamsConfig config)
        => new ValueAndTimestampSerde<TValue>(Defaults.Serde<TValue>(config, isKey: false, $"state store '{Name}'"));

    private ValueAndTimestampSerde<TValue> Stamped => (ValueAndTimestampSerde<TValue>)ValueSerde;
}
