using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>The typed outer layer of a timestamped window store: keys and timestamp + value serialized over the byte layers.</summary>
internal sealed class MeteredTimestampedWindowStore<TKey, TValue>(IWindowStore<Bytes, byte[]> inner, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : ITimestampedWindowStore<TKey, TValue>, ICachedStateStore<Windowed<TKey>, ValueAndTimestamp<TValue>>, ICachedStore, IKeySerdeSource<TKey>
{
    private StoreSerdes<TKey, ValueAndTimestamp<TValue>> _serdes = null!;

    /// <summary>The byte store beneath.</summary>
    public IWindowStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        var values = valueSerde ?? Defaults.Serde<TValue>(context.Config, isKey: false, $"state store '{Name}'");
        _serdes = new StoreSerdes<TKey, ValueAndTimestamp<TValue>>(context, Name, KeySerde(context.Config), new ValueAndTimestampSerde<TValue>(values));
        Inner.Init(context, root);
    }

    public void Put(TKey key, ValueAndTimestamp<TValue>? value, long windowStartMs)
        => Inner.Put(_serdes.KeyBytes(key), value is null ? null : _serdes.ValueBytes(value), windowStartMs);

    public ValueAndTimestamp<TValue>? Fetch(TKey key, long windowStartMs)
        => Inner.Fetch(_serdes.KeyBytes(key), windowStartMs) is { } bytes ? _serdes.Value(bytes) : null;

    public IEnumerable<KeyValuePair<long, ValueAndTimestamp<TValue>>> Fetch(TKey key, long fromMs, long toMs)
    {
        foreach (var (start, bytes) in Inner.Fetch(_serdes.KeyBytes(key), fromMs, toMs))
        {
            yield return new KeyValuePair<long, ValueAndTimestamp<TValue>>(start, _serdes.Value(bytes));
        }
    }

    public IEnumerable<KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>> Fetch(TKey? keyFrom, TKey? keyTo, long fromMs, long toMs)
        => Typed(Inner.Fetch(keyFrom is null ? null : _serdes.KeyBytes(keyFrom), keyTo is null ? null : _serdes.KeyBytes(keyTo), fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>> FetchAll(long fromMs, long toMs) => Typed(Inner.FetchAll(fromMs, toMs));

    public IEnumerable<KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>> All() => Typed(Inner.All());

    public bool SetFlushListener(CacheFlushListener<Windowed<TKey>, ValueAndTimestamp<TValue>> listener, bool sendOldValues)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return Inner is CachingWindowStore caching && caching.SetFlushListener(
            (window, newValue, oldValue, timestamp, headers) => listener(
                _serdes.Windowed(window),
                newValue is null ? null : _serdes.Value(newValue),
                oldValue is null ? null : _serdes.Value(oldValue),
                timestamp,
                headers),
            sendOldValues);
    }

    public ISerde<TKey> KeySerde(StreamsConfig config) => keySerde ?? Defaults.Serde<TKey>(config, isKey: true, $"state store '{Name}'");

    public void Flush() => Inner.Flush();

    public void FlushCache() => (Inner as ICachedStore)?.FlushCache();

    public void Close() => Inner.Close();

    private IEnumerable<KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>> Typed(IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> entries)
    {
        foreach (var (windowed, bytes) in entries)
        {
            yield return new KeyValuePair<Windowed<TKey>, ValueAndTimestamp<TValue>>(_serdes.Windowed(windowed), _serdes.Value(bytes));
        }
    }
}
