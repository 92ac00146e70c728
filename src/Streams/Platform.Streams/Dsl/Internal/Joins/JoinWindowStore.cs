using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The window store of one side of a stream-stream join: a typed view over a window byte store that retains
/// duplicates (every record is its own window, under its key and timestamp, told apart by a sequence number),
/// as Kafka's join buffers are. The byte store does retention (join window plus grace) by stream time and
/// drops expired data a time segment (RocksDB) or window start (memory) at a time; its changelog layer logs
/// each record under Kafka's window-store key layout, so restoration replays them into the same store.
/// </summary>
internal sealed class JoinWindowStore<TKey, TValue> : IWindowStore<TKey, TValue>
{
    private readonly IWindowStore<Bytes, byte[]> _inner;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;
    private ISerde<TKey> _keys = null!;
    private ISerde<TValue> _values = null!;
    private string _serdeTopic = "";

    public JoinWindowStore(IWindowStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    {
        _inner = inner;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
    }

    public string Name => _inner.Name;

    public bool Persistent => _inner.Persistent;

    public bool IsOpen => _inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        _keys = _keySerde ?? Defaults.Serde<TKey>(context.Config, true, $"state store '{Name}'");
        _values = _valueSerde ?? Defaults.Serde<TValue>(context.Config, false, $"state store '{Name}'");
        _serdeTopic = (context as StoreContext)?.ChangelogTopicOf(Name) ?? Name;
        _inner.Init(context, root);
    }

    public void Put(TKey key, TValue? value, long windowStartMs)
    {
        // Join windows only ever add records; a missing value never joins.
        if (value is not null)
        {
            _inner.Put(KeyBytes(key), _values.Serialize(value, new SerializationContext(MessageComponentType.Value, _serdeTopic)), windowStartMs);
        }
    }

    public TValue? Fetch(TKey key, long windowStartMs)
    {
        var bytes = _inner.Fetch(KeyBytes(key), windowStartMs);
        return bytes is null ? default : Value(bytes);
    }

    public IEnumerable<KeyValuePair<long, TValue>> Fetch(TKey key, long fromMs, long toMs)
    {
        foreach (var (timestamp, value) in _inner.Fetch(KeyBytes(key), fromMs, toMs))
        {
            yield return new KeyValuePair<long, TValue>(timestamp, Value(value));
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs)
        => Typed(_inner.Fetch(keyFrom is null ? null : KeyBytes(keyFrom), keyTo is null ? null : KeyBytes(keyTo), fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FetchAll(long fromMs, long toMs) => Typed(_inner.FetchAll(fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> All() => Typed(_inner.All());

    public void Flush() => _inner.Flush();

    public void Close() => _inner.Close();

    private IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Typed(IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> entries)
    {
        foreach (var (window, value) in entries)
        {
            var key = _keys.Deserialize(window.Key.Value, false, new SerializationContext(MessageComponentType.Key, _serdeTopic));
            yield return new KeyValuePair<Windowed<TKey>, TValue>(new Windowed<TKey>(key, window.Window), Value(value));
        }
    }

    private Bytes KeyBytes(TKey key)
        => new(_keys.Serialize(key, new SerializationContext(MessageComponentType.Key, _serdeTopic))
            ?? throw new ArgumentException($"The key of state store '{Name}' serialized to null; store keys must not be null.", nameof(key)));

    private TValue Value(byte[] bytes) => _values.Deserialize(bytes, false, new SerializationContext(MessageComponentType.Value, _serdeTopic));
}
