using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>
/// The typed outer layer of a key-value store: serializes keys and values with the store's serdes (or the
/// configured defaults) over the byte layers beneath (cache, changelog, inner store).
/// </summary>
internal class MeteredKeyValueStore<TKey, TValue>(IKeyValueStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : IKeyValueStore<TKey, TValue>, ICachedStateStore<TKey, TValue>, ISerializedKeyStore<TKey, TValue>, ICachedStore, IKeySerdeSource<TKey>
{
    [ThreadStatic]
    private static byte[]? _keyScratch;

    private ISerde<TKey> _keySerde = null!;
    private ISpanWriter<TKey>? _keyWriter;
    private IKeyFinder? _keyFinder;
    private ISerde<TValue> _valueSerde = null!;
    private string _serdeTopic = "";

    /// <summary>The value serde, resolved at Init.</summary>
    protected ISerde<TValue> ValueSerde => _valueSerde;

    /// <summary>The topic the serdes are given: the changelog topic, or the store name without one.</summary>
    protected string SerdeTopic => _serdeTopic;

    /// <summary>The byte store beneath.</summary>
    public IKeyValueStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public long ApproximateNumEntries => Inner.ApproximateNumEntries;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        _keySerde = KeySerde(context.Config);
        _keyWriter = _keySerde as ISpanWriter<TKey>;
        _keyFinder = Inner as IKeyFinder;
        _valueSerde = valueSerde ?? DefaultValueSerde(context.Config);
        _serdeTopic = (context as StoreContext)?.ChangelogTopicOf(Name) ?? Name;
        Inner.Init(context, root);
    }

    public ISerde<TKey> KeySerde(StreamsConfig config) => keySerde ?? Defaults.Serde<TKey>(config, isKey: true, $"state store '{Name}'");

    /// <summary>The value serde when none was given: the configured default (timestamped stores wrap it).</summary>
    protected virtual ISerde<TValue> DefaultValueSerde(StreamsConfig config) => Defaults.Serde<TValue>(config, isKey: false, $"state store '{Name}'");

    public TValue? Get(TKey key) => Get(KeyBytes(key));

    public bool TryGet(TKey key, out TValue value)
    {
        var bytes = Inner.Get(KeyBytes(key));
        if (bytes is null)
        {
            value = default!;
            return false;
        }

        value = Value(bytes);
        return true;
    }

    public void Put(TKey key, TValue? value) => Put(KeyBytes(key), value);

    public TValue? Get(Bytes key)
    {
        var bytes = Inner.Get(key);
        return bytes is null ? default : Value(bytes);
    }

    public void Put(Bytes key, TValue? value) => Inner.Put(key, value is null ? null : ValueBytes(value));

    public TValue? Delete(Bytes key)
    {
        var old = Inner.Delete(key);
        return old is null ? default : Value(old);
    }

    public TValue? PutIfAbsent(TKey key, TValue value)
    {
        var existing = Inner.PutIfAbsent(KeyBytes(key), ValueBytes(value) ?? throw new ArgumentNullException(nameof(value)));
        return existing is null ? default : Value(existing);
    }

    public void PutAll(IEnumerable<KeyValuePair<TKey, TValue?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            Put(key, value);
        }
    }

    public TValue? Delete(TKey key) => Delete(KeyBytes(key));

    public IEnumerable<KeyValuePair<TKey, TValue>> Range(TKey? from, TKey? to)
        => Typed(Inner.Range(from is null ? null : KeyBytes(from), to is null ? null : KeyBytes(to)));

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseRange(TKey? from, TKey? to)
        => Typed(Inner.ReverseRange(from is null ? null : KeyBytes(from), to is null ? null : KeyBytes(to)));

    public IEnumerable<KeyValuePair<TKey, TValue>> All() => Typed(Inner.All());

    public IEnumerable<KeyValuePair<TKey, TValue>> ReverseAll() => Typed(Inner.ReverseAll());

    public void Flush() => Inner.Flush();

    public void FlushCache() => FindCachingLayer()?.FlushCache();

    public void Close() => Inner.Close();

    public bool SetFlushListener(CacheFlushListener<TKey, TValue> listener, bool sendOldValues)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (FindCachingLayer() is not { } caching)
        {
            return false;
        }

        return caching.SetFlushListener(
            (key, newValue, oldValue, timestamp, headers) => listener(
                _keySerde.Deserialize(key.Value, false, new SerializationContext(MessageComponentType.Key, _serdeTopic)),
                newValue is null ? default : Value(newValue),
                oldValue is null ? default : Value(oldValue),
                timestamp,
                headers),
            sendOldValues);
    }

    /// <summary>The serialized key.</summary>
    public Bytes KeyBytes(TKey key)
    {
        if (_keyWriter is not null && _keyFinder is not null && _keyWriter.Size(key) is var size and >= 0)
        {
            // Serialized into a reused buffer: a key the store or its cache holds costs no array of its own.
            var scratch = _keyScratch is { } reused && reused.Length >= size ? reused : _keyScratch = new byte[Math.Max(size, 256)];
            var serialized = scratch.AsSpan(0, _keyWriter.Write(key, scratch));
            return _keyFinder.FindKey(serialized) ?? Bytes.Copy(serialized);
        }

        var bytes = _keySerde.Serialize(key, new SerializationContext(MessageComponentType.Key, _serdeTopic))
            ?? throw new ArgumentException($"The key of state store '{Name}' serialized to null; store keys must not be null.", nameof(key));
        return new Bytes(bytes);
    }

    private byte[]? ValueBytes(TValue value) => _valueSerde.Serialize(value, new SerializationContext(MessageComponentType.Value, _serdeTopic));

    private TValue Value(byte[] bytes) => _valueSerde.Deserialize(bytes, false, new SerializationContext(MessageComponentType.Value, _serdeTopic));

    private IEnumerable<KeyValuePair<TKey, TValue>> Typed(IEnumerable<KeyValuePair<Bytes, byte[]>> entries)
    {
        foreach (var (key, value) in entries)
        {
            yield return new KeyValuePair<TKey, TValue>(
                _keySerde.Deserialize(key.Value, false, new SerializationContext(MessageComponentType.Key, _serdeTopic)),
                Value(value));
        }
    }

    private CachingKeyValueStore? FindCachingLayer()
    {
        var store = Inner;
        while (true)
        {
            switch (store)
            {
                case CachingKeyValueStore caching:
                    return caching;
                case WrappedKeyValueBytesStore wrapped:
                    store = wrapped.InnerStore;
                    break;
                default:
                    return null;
            }
        }
    }
}
