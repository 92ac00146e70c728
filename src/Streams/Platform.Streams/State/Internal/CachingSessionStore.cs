using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Kafka's <c>CachingSessionStore</c>: session writes and removals stay in the thread's record cache (keyed by
/// the session key layout: key + end + start) and reach the wrapped store, and the flush listener that forwards
/// downstream, only on commit or eviction. A session updated many times per commit interval produces one
/// update; a session created and merged away within one interval produces none. Reads merge the cache over
/// the store; a per-key index of cached sessions keeps key lookups from scanning the cache (it may name
/// entries the cache has since evicted, which reads skip and prune). Cached sessions past the retention (by
/// the largest end written) are not returned, as the store beneath would not return them either.
/// </summary>
internal sealed class CachingSessionStore(ISessionStore<Bytes, byte[]> inner, long retentionPeriodMs) : ISessionStore<Bytes, byte[]>, ICachedStore
{
    private readonly Dictionary<Bytes, HashSet<Window>> _cachedSessions = [];
    private TaskContext _task = null!;
    private ThreadCache? _cache;
    private NamedCache? _named;
    private WindowFlushListener? _listener;
    private bool _sendOldValues;
    private long _observedStreamTime = -1;

    public ISessionStore<Bytes, byte[]> Inner { get; } = inner;

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

    /// <summary>Sets who receives flushed sessions; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(WindowFlushListener listener, bool sendOldValues)
    {
        _listener = listener;
        _sendOldValues = sendOldValues;
        return _named is not null;
    }

    public void Put(Windowed<Bytes> session, byte[] value) => Write(session, value);

    public void Remove(Windowed<Bytes> session) => Write(session, null);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FindSessions(Bytes key, long earliestSessionEndMs, long latestSessionStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var stored = Inner.FindSessions(key, earliestSessionEndMs, latestSessionStartMs);
        if (_named is null || !_cachedSessions.TryGetValue(key, out var windows))
        {
            return stored;
        }

        var merged = new Dictionary<Window, byte[]?>();
        foreach (var (session, value) in stored)
        {
            merged[session.Window] = value;
        }

        List<Window>? evicted = null;
        foreach (var window in windows)
        {
            if (_named.Get(CacheKey(key, window)) is not { } entry)
            {
                (evicted ??= []).Add(window);
            }
            else if (window.EndMs >= earliestSessionEndMs && window.StartMs <= latestSessionStartMs && Live(window))
            {
                merged[window] = entry.Value;
            }
        }

        evicted?.ForEach(window => windows.Remove(window));
        var result = new List<KeyValuePair<Windowed<Bytes>, byte[]>>(merged.Count);
        foreach (var (window, value) in merged)
        {
            if (value is not null)
            {
                result.Add(new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, window), value));
            }
        }

        // The order of the stores beneath: by session end, then start.
        result.Sort(static (a, b) => a.Key.Window.EndMs != b.Key.Window.EndMs ? a.Key.Window.EndMs.CompareTo(b.Key.Window.EndMs) : a.Key.Window.StartMs.CompareTo(b.Key.Window.StartMs));
        return result;
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes key) => FindSessions(key, 0, long.MaxValue);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo)
    {
        var stored = Inner.Fetch(keyFrom, keyTo);
        if (_named is null)
        {
            return stored;
        }

        var merged = new Dictionary<(Bytes Key, Window Window), byte[]?>();
        foreach (var (session, value) in stored)
        {
            merged[(session.Key, session.Window)] = value;
        }

        // Range reads (interactive queries) are rare: they scan the cache rather than keep it sorted.
        foreach (var entry in _named.Range(null, null))
        {
            var (keyLength, window) = SessionWindowedSerde<Bytes>.ReadWindow(entry.Key.Value);
            var key = Bytes.Copy(entry.Key.Value.AsSpan(0, keyLength));
            if (Live(window) && (keyFrom is null || key.CompareTo(keyFrom) >= 0) && (keyTo is null || key.CompareTo(keyTo) <= 0))
            {
                merged[(key, window)] = entry.Value;
            }
        }

        return merged
            .Where(e => e.Value is not null)
            .OrderBy(e => e.Key.Window.EndMs)
            .ThenBy(e => e.Key.Key, Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)))
            .ThenBy(e => e.Key.Window.StartMs)
            .Select(e => new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(e.Key.Key, e.Key.Window), e.Value!))
            .ToList();
    }

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
            _cachedSessions.Clear();
        }

        Inner.Close();
    }

    private void Write(Windowed<Bytes> session, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        if (_named is null)
        {
            if (value is null)
            {
                Inner.Remove(session);
            }
            else
            {
                Inner.Put(session, value);
            }

            return;
        }

        _observedStreamTime = Math.Max(_observedStreamTime, session.Window.EndMs);
        var task = _task;
        _cache!.Put(_named, CacheKey(session.Key, session.Window), value, dirty: true, task.Timestamp, task.Headers, task.Topic, task.Partition, task.Offset);
        if (!_cachedSessions.TryGetValue(session.Key, out var windows))
        {
            windows = [];
            _cachedSessions.Add(session.Key, windows);
        }

        windows.Add(session.Window);
    }

    private bool Live(Window window) => window.EndMs > _observedStreamTime - retentionPeriodMs;

    private static Bytes CacheKey(Bytes key, Window window) => new(SessionWindowedSerde<Bytes>.SessionKeyBytes(key.Value, window));

    /// <summary>Forgets index entries the cache evicted, once per commit, so the index does not outgrow the cache.</summary>
    private void PruneIndex()
    {
        var emptied = new List<Bytes>();
        foreach (var (key, windows) in _cachedSessions)
        {
            windows.RemoveWhere(window => _named!.Peek(CacheKey(key, window)) is null);
            if (windows.Count == 0)
            {
                emptied.Add(key);
            }
        }

        emptied.ForEach(key => _cachedSessions.Remove(key));
    }

    /// <summary>The stored value of exactly <paramref name="session"/>, or null.</summary>
    private byte[]? Stored(Windowed<Bytes> session)
    {
        foreach (var (found, value) in Inner.FindSessions(session.Key, session.Window.EndMs, session.Window.StartMs))
        {
            if (found.Window == session.Window)
            {
                return value;
            }
        }

        return null;
    }

    private void OnFlush(List<CacheEntry> entries)
    {
        var task = _task;
        var (topic, partition, offset, timestamp, headers) = (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers);
        try
        {
            foreach (var entry in entries)
            {
                var (keyLength, window) = SessionWindowedSerde<Bytes>.ReadWindow(entry.Key.Value);
                var session = new Windowed<Bytes>(Bytes.Copy(entry.Key.Value.AsSpan(0, keyLength)), window);
                var newValue = entry.Value;
                var oldValue = newValue is null || _sendOldValues ? Stored(session) : null;

                // A session neither stored nor flushed before and now removed (merged away) changes nothing.
                if (newValue is null && oldValue is null)
                {
                    continue;
                }

                task.Topic = entry.Topic;
                task.Partition = entry.Partition;
                task.Offset = entry.Offset;
                task.Timestamp = entry.Timestamp;
                task.Headers = entry.Headers;
                if (newValue is null)
                {
                    Inner.Remove(session);
                }
                else
                {
                    Inner.Put(session, newValue);
                }

                _listener?.Invoke(session, newValue, _sendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
            }
        }
        finally
        {
            (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers) = (topic, partition, offset, timestamp, headers);
        }
    }
}
