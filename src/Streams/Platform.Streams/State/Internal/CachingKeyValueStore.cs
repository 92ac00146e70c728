using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// Keeps writes in the thread's record cache and passes the latest value per key to the wrapped store (and to
/// the flush listener, which forwards downstream) on commit or eviction: Kafka's caching layer. Without a
/// cache (<c>statestore.cache.max.bytes</c> 0 still has one: it evicts at once) writes go straight through.
/// </summary>
internal sealed class CachingKeyValueStore(IKeyValueStore<Bytes, byte[]> inner) : WrappedKeyValueBytesStore(inner), ICachedStore
{
    private TaskContext _task = null!;
    private ThreadCache? _cache;
    private NamedCache? _named;
    private BytesFlushListener? _listener;
    private bool _sendOldValues;

    public override void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        var storeContext = context as StoreContext
            ?? throw new InvalidOperationException($"Store '{Name}' caches and must be opened by a task.");
        _task = storeContext.Task;
        _cache = storeContext.Cache;
        _named = _cache?.Register($"{storeContext.TaskId}-{Name}", OnFlush);
    }

    /// <summary>Sets who receives flushed entries; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(BytesFlushListener listener, bool sendOldValues)
    {
        _listener = listener;
        _sendOldValues = sendOldValues;
        return _named is not null;
    }

    public override byte[]? Get(Bytes key)
    {
        if (_named?.Get(key) is { } entry)
        {
            return entry.Value;
        }

        return Inner.Get(key);
    }

    public override bool TryGet(Bytes key, out byte[] value)
    {
        value = Get(key)!;
        return value is not null;
    }

    public override void Put(Bytes key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_named is null)
        {
            Inner.Put(key, value);
            return;
        }

        var task = _task;
        _cache!.Put(_named, key, value, dirty: true, task.Timestamp, task.Headers, task.Topic, task.Partition, task.Offset);
    }

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> Range(Bytes? from, Bytes? to) => Merged(from, to, reverse: false);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseRange(Bytes? from, Bytes? to) => Merged(from, to, reverse: true);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Merged(null, null, reverse: false);

    public override IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Merged(null, null, reverse: true);

    public override long ApproximateNumEntries => Inner.ApproximateNumEntries + (_named?.DirtyCount ?? 0);

    public override void Flush()
    {
        FlushCache();
        Inner.Flush();
    }

    public void FlushCache()
    {
        if (_named is not null)
        {
            _cache!.Flush(_named);
        }
    }

    public override void Close()
    {
        if (_named is not null)
        {
            _cache!.Unregister(_named);
            _named = null;
        }

        Inner.Close();
    }

    private List<KeyValuePair<Bytes, byte[]>> Merged(Bytes? from, Bytes? to, bool reverse)
    {
        if (from is not null && to is not null && from.CompareTo(to) > 0)
        {
            return [];
        }

        var merged = new SortedDictionary<Bytes, byte[]?>(Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)));
        foreach (var (key, value) in Inner.Range(from, to))
        {
            merged[key] = value;
        }

        if (_named is not null)
        {
            foreach (var entry in _named.Range(from, to))
            {
                merged[entry.Key] = entry.Value;
            }
        }

        var result = new List<KeyValuePair<Bytes, byte[]>>(merged.Count);
        foreach (var (key, value) in merged)
        {
            if (value is not null)
            {
                result.Add(new KeyValuePair<Bytes, byte[]>(key, value));
            }
        }

        if (reverse)
        {
            result.Reverse();
        }

        return result;
    }

    private void OnFlush(List<CacheEntry> entries)
    {
        var task = _task;
        var (topic, partition, offset, timestamp, headers) = (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers);
        try
        {
            foreach (var entry in entries)
            {
                var newValue = entry.Value;
                var oldValue = newValue is null || _sendOldValues ? Inner.Get(entry.Key) : null;

                // A key neither stored nor cached before and now deleted changes nothing: skip the write and the forward.
                if (newValue is null && oldValue is null)
                {
                    continue;
                }

                task.Topic = entry.Topic;
                task.Partition = entry.Partition;
                task.Offset = entry.Offset;
                task.Timestamp = entry.Timestamp;
                task.Headers = entry.Headers;
                Inner.Put(entry.Key, newValue);
                _listener?.Invoke(entry.Key, newValue, _sendOldValues ? oldValue : null, entry.Timestamp, entry.Headers);
            }
        }
        finally
        {
            (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers) = (topic, partition, offset, timestamp, headers);
        }
    }
}
