using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>The typed outer layer of a session store: keys and values serialized over the byte layers.</summary>
internal sealed class MeteredSessionStore<TKey, TValue>(ISessionStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : ISessionStore<TKey, TValue>, ICachedStore, IKeySerdeSource<TKey>
{
    private StoreSerdes<TKey, TValue> _serdes = null!;

    /// <summary>The byte store beneath.</summary>
    public ISessionStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        var values = valueSerde ?? Defaults.Serde<TValue>(context.Config, isKey: false, $"state store '{Name}'");
        _serdes = new StoreSerdes<TKey, TValue>(context, Name, KeySerde(context.Config), values);
        Inner.Init(context, root);
    }

    public void Put(Windowed<TKey> session, TValue value)
    {
        var key = new Windowed<Bytes>(_serdes.KeyBytes(session.Key), session.Window);
        if (_serdes.ValueBytes(value) is { } bytes)
        {
            Inner.Put(key, bytes);
        }
        else
        {
            Inner.Remove(key);
        }
    }

    public void Remove(Windowed<TKey> session) => Inner.Remove(new Windowed<Bytes>(_serdes.KeyBytes(session.Key), session.Window));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> FindSessions(TKey key, long earliestSessionEndMs, long latestSessionStartMs)
        => Typed(Inner.FindSessions(_serdes.KeyBytes(key), earliestSessionEndMs, latestSessionStartMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey key) => Typed(Inner.Fetch(_serdes.KeyBytes(key)));

    public IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Fetch(TKey? keyFrom, TKey? keyTo)
        => Typed(Inner.Fetch(keyFrom is null ? null : _serdes.KeyBytes(keyFrom), keyTo is null ? null : _serdes.KeyBytes(keyTo)));

    public ISerde<TKey> KeySerde(StreamsConfig config) => keySerde ?? Defaults.Serde<TKey>(config, isKey: true, $"state store '{Name}'");

    public void Flush() => Inner.Flush();

    public void FlushCache() => (Inner as ICachedStore)?.FlushCache();

    /// <summary>Sets who receives flushed sessions; false when the store does not cache (then the caller forwards each update itself).</summary>
    public bool SetFlushListener(SessionFlushListener<TKey, TValue> listener, bool sendOldValues)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return Inner is CachingSessionStore caching && caching.SetFlushListener(
            (session, newValue, oldValue, _, headers) => listener(
                _serdes.Windowed(session),
                newValue is not null,
                newValue is null ? default! : _serdes.Value(newValue),
                oldValue is not null,
                oldValue is null ? default! : _serdes.Value(oldValue),
                headers),
            sendOldValues);
    }

    public void Close() => Inner.Close();

    private IEnumerable<KeyValuePair<Windowed<TKey>, TValue>> Typed(IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> entries)
    {
        foreach (var (windowed, bytes) in entries)
        {
            yield return new KeyValuePair<Windowed<TKey>, TValue>(_serdes.Windowed(windowed), _serdes.Value(bytes));
        }
    }
}
