namespace Platform.Streams.State.Internal;

/// <summary>
/// The shared half of the caching window and session stores: the wrapped store, the record-cache binding,
/// and a per-key index of what is cached (window starts, session windows) so key reads do not scan the cache.
/// The index may name entries the cache has since evicted: readers skip those, and each flush prunes them so
/// the index does not outgrow the cache.
/// </summary>
/// <typeparam name="TInner">The wrapped byte store.</typeparam>
/// <typeparam name="TPoint">What the index keeps per key: a window start, a session window.</typeparam>
/// <typeparam name="TPoints">The set type of the index.</typeparam>
internal abstract class IndexedCachingStore<TInner, TPoint, TPoints>(TInner inner) : IStateStore, ICachedStore
    where TInner : IStateStore
    where TPoints : ISet<TPoint>, new()
{
    private readonly Dictionary<Bytes, TPoints> _index = [];

    public TInner Inner { get; } = inner;

    public string Name => Inner.Name;

    public bool Persistent => Inner.Persistent;

    public bool IsOpen => Inner.IsOpen;

    /// <summary>The store's place in the thread's record cache.</summary>
    protected RecordCacheBinding<WindowFlushListener> Binding { get; } = new();

    public void Init(IStateStoreContext context, IStateStore root)
    {
        Inner.Init(context, root);
        Binding.Init(context, Name, FlushEntry);
    }

    /// <summary>Sets who receives flushed entries; false when the store has no cache (the caller then forwards itself).</summary>
    public bool SetFlushListener(WindowFlushListener listener, bool sendOldValues) => Binding.SetFlushListener(listener, sendOldValues);

    public void Flush()
    {
        FlushCache();
        Inner.Flush();
    }

    public void FlushCache()
    {
        if (Binding.FlushCache())
        {
            PruneIndex();
        }
    }

    public void Close()
    {
        Binding.Close();
        _index.Clear();
        Inner.Close();
    }

    /// <summary>The cache key of <paramref name="key"/> at <paramref name="point"/>.</summary>
    protected abstract Bytes CacheKey(Bytes key, TPoint point);

    /// <summary>Writes one flushed entry to the store beneath and tells the listener.</summary>
    protected abstract void FlushEntry(CacheEntry entry);

    /// <summary>Writes into the cache (needs <see cref="RecordCacheBinding{TListener}.Named"/>) and indexes the entry.</summary>
    protected void Cache(Bytes key, TPoint point, byte[]? value)
    {
        Binding.Put(CacheKey(key, point), value);
        if (!_index.TryGetValue(key, out var points))
        {
            points = new TPoints();
            _index.Add(key, points);
        }

        points.Add(point);
    }

    /// <summary>What may be cached for <paramref name="key"/>; callers drop what the cache no longer has.</summary>
    protected bool TryGetIndexed(Bytes key, out TPoints points) => _index.TryGetValue(key, out points!);

    private void PruneIndex()
    {
        var emptied = new List<Bytes>();
        foreach (var (key, points) in _index)
        {
            foreach (var point in points.Where(point => Binding.Named!.Peek(CacheKey(key, point)) is null).ToList())
            {
                points.Remove(point);
            }

            if (points.Count == 0)
            {
                emptied.Add(key);
            }
        }

        emptied.ForEach(key => _index.Remove(key));
    }
}
