using Platform.Streams.Processors.Internal;

namespace Platform.Streams.State.Internal;

/// <summary>
/// What the caching stores (key-value, window, session) share: their named cache in the thread's record cache,
/// registered when the store opens; writes stamped with the current record's context; the flush listener; and
/// flushing, which hands each entry to the store with the task's record context set to the entry's (so the
/// changelog and downstream see the record that wrote it) and restored afterwards.
/// </summary>
/// <typeparam name="TListener">The store's flush listener type.</typeparam>
internal sealed class RecordCacheBinding<TListener>
    where TListener : Delegate
{
    private TaskContext _task = null!;
    private ThreadCache? _cache;

    /// <summary>The store's cache; null before Init, after Close, or when the task has no cache.</summary>
    public NamedCache? Named { get; private set; }

    /// <summary>Who receives flushed entries, or null.</summary>
    public TListener? Listener { get; private set; }

    /// <summary>Whether the listener wants the value each flushed entry replaces.</summary>
    public bool SendOldValues { get; private set; }

    /// <summary>Registers the store's cache, whose flushes go one entry at a time to <paramref name="flushEntry"/>.</summary>
    public void Init(IStateStoreContext context, string storeName, Action<CacheEntry> flushEntry)
    {
        var storeContext = context as StoreContext
            ?? throw new InvalidOperationException($"Store '{storeName}' caches and must be opened by a task.");
        _task = storeContext.Task;
        _cache = storeContext.Cache;
        Named = _cache?.Register($"{storeContext.TaskId}-{storeName}", entries => Flush(entries, flushEntry));
    }

    /// <summary>Sets who receives flushed entries; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(TListener listener, bool sendOldValues)
    {
        Listener = listener;
        SendOldValues = sendOldValues;
        return Named is not null;
    }

    /// <summary>Writes <paramref name="cacheKey"/> into the cache, dirty, with the current record's context; needs <see cref="Named"/>.</summary>
    public void Put(Bytes cacheKey, byte[]? value)
    {
        var task = _task;
        _cache!.Put(Named!, cacheKey, value, dirty: true, task.Timestamp, task.Headers, task.Topic, task.Partition, task.Offset);
    }

    /// <summary>Flushes the store's dirty entries; false when it has no cache.</summary>
    public bool FlushCache()
    {
        if (Named is null)
        {
            return false;
        }

        _cache!.Flush(Named);
        return true;
    }

    /// <summary>Drops the store's cache from the thread's record cache.</summary>
    public void Close()
    {
        if (Named is not null)
        {
            _cache!.Unregister(Named);
            Named = null;
        }
    }

    private void Flush(List<CacheEntry> entries, Action<CacheEntry> flushEntry)
    {
        var task = _task;
        var (topic, partition, offset, timestamp, headers) = (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers);
        try
        {
            foreach (var entry in entries)
            {
                task.Topic = entry.Topic;
                task.Partition = entry.Partition;
                task.Offset = entry.Offset;
                task.Timestamp = entry.Timestamp;
                task.Headers = entry.Headers;
                flushEntry(entry);
            }
        }
        finally
        {
            (task.Topic, task.Partition, task.Offset, task.Timestamp, task.Headers) = (topic, partition, offset, timestamp, headers);
        }
    }
}
