using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>The key and value serdes of a typed store, resolved at Init (given ones, else the configured defaults), with the changelog topic as serde topic.</summary>
internal sealed class StoreSerdes<TKey, TValue>
{
    private readonly ISerde<TKey> _keySerde;
    private readonly ISerde<TValue> _valueSerde;
    private readonly string _topic;

    public StoreSerdes(IStateStoreContext context, string storeName, ISerde<TKey>? keySerde, ISerde<TValue> valueSerde)
    {
        ArgumentNullException.ThrowIfNull(context);
        _keySerde = keySerde ?? Defaults.Serde<TKey>(context.Config, isKey: true, $"state store '{storeName}'");
        _valueSerde = valueSerde;
        _topic = (context as StoreContext)?.ChangelogTopicOf(storeName) ?? storeName;
        StoreName = storeName;
    }

    public string StoreName { get; }

    public Bytes KeyBytes(TKey key)
    {
        var bytes = _keySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, _topic))
            ?? throw new ArgumentException($"The key of state store '{StoreName}' serialized to null; store keys must not be null.", nameof(key));
        return new Bytes(bytes);
    }

    public TKey Key(Bytes bytes) => _keySerde.Deserialize(bytes.Value, false, new SerializationContext(MessageComponentType.Key, _topic));

    public byte[]? ValueBytes(TValue value) => _valueSerde.Serialize(value, new SerializationContext(MessageComponentType.Value, _topic));

    public TValue Value(byte[] bytes) => _valueSerde.Deserialize(bytes, false, new SerializationContext(MessageComponentType.Value, _topic));

    public Windowed<TKey> Windowed(Windowed<Bytes> windowed) => new(Key(windowed.Key), windowed.Window);
}
