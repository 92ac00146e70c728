using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Kafka's <c>CachingWindowStore</c>: writes stay in the thread's record cache (keyed by the window key layout:
/// key + start + sequence 0) and reach the wrapped store, and the flush listener that forwards downstream,
/// only on commit or eviction, so a window updated many times per commit interval produces one update.
/// Reads merge the cache over the store. A per-key index of cached window starts keeps key fetches from
/// scanning the whole cache; it may name entries the cache has since evicted, which reads then skip and prune.
/// Cached windows past the retention (by the largest start written) are not returned, as the store beneath
/// would not return them either.
/// </summary>
internal sealed class CachingWindowStore(IWindowStore<Bytes, byte[]> inner, long windowSizeMs, long retentionPeriodMs) : IWindowStore<Bytes, byte[]>, ICachedStore
{
    private readonly Dictionary<Bytes, SortedSet<long>> _cachedStarts = [];
    private TaskContext _task = null!;
    private ThreadCache? _cache;
    private NamedCache? _named;
    private WindowFlushListener? _listener;
    private bool _sendOldValues;
    private long _observedStreamTime = -1;

    public IWindowStore<Bytes, byte[]> Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        var storeContext = context as StoreContext
            ?? throw new InvalidOperationException($"Store '{Name}' caches and must be opened by a task.");
        _task = storeContext.Task;
        _cache = storeContext.Cache;
        _named = _cache?.Register($"{storeContext.TaskId}-{Name}", OnFlush);
    }

    /// <summary>Sets who receives flushed windows; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(WindowFlushListener listener, bool sendOldValues)
    {
        _listener = listener;
        _sendOldValues = sendOldValues;
        return _named is not null;
    }

    public void Put(Bytes key, byte[]? value, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_named is null)
        {
            Inner.Put(key, value, windowStartMs);
            return;
        }

        _observedStreamTime = Math.Max(_observedStreamTime, windowStartMs);
        var task = _task;
        _cache!.Put(_named, CacheKey(key, windowStartMs), value, dirty: true, task.Timestamp, task.Headers, task.Topic, task.Partition, task.Offset);
        if (!_cachedStarts.TryGetValue(key, out var starts))
        {
            starts = [];
            _cachedStarts.Add(key, starts);
        }

        starts.Add(windowStartMs);
    }

    public byte[]? Fetch(Bytes key, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (windowStartMs > MinLiveTime && _named?.Get(CacheKey(key, windowStartMs)) is { } entry)
        {
            return entry.Value;
        }

        return Inner.Fetch(key, windowStartMs);
    }

    public IEnumerable<KeyValuePair<long, byte[]>> Fetch(Bytes key, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var merged = new SortedDictionary<long, byte[]?>();
        foreach (var (start, value) in Inner.Fetch(key, fromMs, toMs))
        {
            merged[start] = value;
        }

        if (_named is not null && fromMs <= toMs && _cachedStarts.TryGetValue(key, out var starts))
        {
            List<long>? evicted = null;
            foreach (var start in starts.GetViewBetween(Math.Min(Math.Max(fromMs, MinLiveTime + 1), toMs), toMs))
            {
                if (_named.Get(CacheKey(key, start)) is { } entry)
                {
                    merged[start] = entry.Value;
                }
                else
                {
                    (evicted ??= []).Add(start);
                }
            }

            evicted?.ForEach(start => starts.Remove(start));
        }

        return merged.Where(e => e.Value is not null).Select(e => new KeyValuePair<long, byte[]>(e.Key, e.Value!)).ToList();
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo, long fromMs, long toMs)
    {
        var merged = new Dictionary<(Bytes Key, long Start), (Windowed<Bytes> Window, byte[]? Value)>();
        foreach (var (window, value) in Inner.Fetch(keyFrom, keyTo, fromMs, toMs))
        {
            merged[(window.Key, window.Window.StartMs)] = (window, value);
        }

        if (_named is not null)
        {
            // Range reads (interactive queries) are rare: they scan the cache rather than keep it sorted.
            foreach (var entry in _named.Range(null, null))
            {
                var (key, start, _) = WindowKeySchema.FromStoreKeyBinary(entry.Key.Value);
                if (start >= fromMs && start <= toMs && start > MinLiveTime && (keyFrom is null || key.CompareTo(keyFrom) >= 0) && (keyTo is null || key.CompareTo(keyTo) <= 0))
                {
                    merged[(key, start)] = (new Windowed<Bytes>(key, WindowAt(start)), entry.Value);
                }
            }
        }

        return merged.Values
            .Where(e => e.Value is not null)
            .OrderBy(e => e.Window.Window.StartMs)
            .ThenBy(e => e.Window.Key, Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)))
            .Select(e => new KeyValuePair<Windowed<Bytes>, byte[]>(e.Window, e.Value!))
            .ToList();
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FetchAll(long fromMs, long toMs) => Fetch(null, null, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> All() => Fetch(null, null, long.MinValue, long.MaxValue);

    public void Flush()
    {
        FlushCache();
        Inner.Flush();
    }

    public void FlushCache()
    {
        if (_named is not null)
        {
            _cache!.Flush(_named);
            PruneIndex();
        }
    }

    public void Close()
    {
        if (_named is not null)
        {
            _cache!.Unregister(_named);
            _named = null;
            _cachedStarts.Clear();
        }

        Inner.Close();
    }

    private long MinLiveTime => _observedStreamTime - retentionPeriodMs;

    private static Bytes CacheKey(Bytes key, long windowStartMs) => new(WindowKeySchema.ToStoreKeyBinary(key.Value, windowStartMs, 0));

    private Window WindowAt(long start) => new(start, start <= long.MaxValue - windowSizeMs ? start + windowSizeMs : long.MaxValue);

    /// <summary>Forgets index entries the cache evicted, once per commit, so the index does not outgrow the cache.</summary>
    private void PruneIndex()
    {
        var emptied = new List<Bytes>();
        foreach (var (key, starts) in _cachedStarts)
        {
            starts.RemoveWhere(start => _named!.Peek(CacheKey(key, start)) is null);
            if (starts.Count == 0)
            {
                emptied.Add(key);
            }
        }

        emptied.ForEach(key => _cachedStarts.Remove(key));
    }

    private void OnFlush(List<CacheEntry> entries)
    {
        var task = _task;
        var (topic, partition, offset, timestamp, headers) = (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers);
        try
        {
            foreach (var entry in entries)
            {
                var (key, start, _) = WindowKeySchema.FromStoreKeyBinary(entry.Key.Value);
                var newValue = entry.Value;
                var oldValue = newValue is null || _sendOldValues ? Inner.Fetch(key, start) : null;
                if (newValue is null && oldValue is null)
                {
                    continue;
                }

                task.Topic = entry.Topic;
                task.Partition = entry.Partition;
                task.Offset = entry.Offset;
                task.Timestamp = entry.Timestamp;
                task.Headers = entry.Headers;
                Inner.Put(key, newValue, start);
                _listener?.Invoke(new Windowed<Bytes>(key, WindowAt(start)), newValue, _sendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
            }
        }
        finally
        {
            (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers) = (topic, partition, offset, timestamp, headers);
        }
    }
}
