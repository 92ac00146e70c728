namespace Platform.Streams.State.Internal;

/// <summary>
/// One store's part of a <see cref="ThreadCache"/>: entries by key, a least-recently-used order for eviction,
/// and the dirty entries in the order of their last write, which a flush hands to the store.
/// </summary>
internal sealed class NamedCache
{
    private readonly Action<List<CacheEntry>> _flushListener;
    private readonly Dictionary<Bytes, CacheEntry> _entries = new(BytesComparer.Instance);
    private readonly Dictionary<Bytes, CacheEntry>.AlternateLookup<ReadOnlySpan<byte>> _byContent;
    private readonly LinkedList<CacheEntry> _lru = new();
    private readonly LinkedList<CacheEntry> _dirty = new();

    // The thread cache's total, kept with this cache's size (a sum over the caches per write cost a dictionary walk).
    private readonly ThreadCache? _owner;

    public NamedCache(string name, Action<List<CacheEntry>> flushListener, ThreadCache? owner = null)
    {
        Name = name;
        _flushListener = flushListener;
        _owner = owner;
        _byContent = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public string Name { get; }

    public long SizeBytes { get; private set; }

    public int Count => _entries.Count;

    public int DirtyCount => _dirty.Count;

    public CacheEntry? Get(Bytes key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        Touch(entry);
        return entry;
    }

    /// <summary>The cached key equal to <paramref name="key"/>, or null.</summary>
    public Bytes? FindKey(ReadOnlySpan<byte> key) => _byContent.TryGetValue(key, out var held, out _) ? held : null;

    /// <summary>A key's entry without marking it used (bookkeeping reads must not keep entries from eviction).</summary>
    public CacheEntry? Peek(Bytes key) => _entries.GetValueOrDefault(key);

    /// <summary>Sets a key's entry.</summary>
    public void Put(Bytes key, byte[]? value, bool dirty, long timestamp, Platform.Client.Headers? headers, string? topic, int partition, long offset)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            entry = new CacheEntry(key);
            entry.LruNode = _lru.AddLast(entry);
            _entries.Add(key, entry);
        }
        else
        {
            Resize(-entry.Size);
            Touch(entry);
        }

        entry.Value = value;
        entry.Timestamp = timestamp;
        entry.Headers = headers;
        entry.Topic = topic;
        entry.Partition = partition;
        entry.Offset = offset;
        if (dirty)
        {
            // An entry keeps its node for life (a flush only detaches it): updating a cached key allocates nothing.
            var node = entry.DirtyNode ??= new LinkedListNode<CacheEntry>(entry);
            if (node.List is null)
            {
                _dirty.AddLast(node);
            }
            else if (node.Next is not null)
            {
                _dirty.Remove(node);
                _dirty.AddLast(node);
            }

            entry.IsDirty = true;
        }

        Resize(entry.Size);
    }

    /// <summary>Hands every dirty entry to the store (in write order); deleted ones then leave the cache.</summary>
    public void Flush()
    {
        if (_dirty.Count == 0)
        {
            return;
        }

        var flushed = new List<CacheEntry>(_dirty.Count);
        foreach (var entry in _dirty)
        {
            flushed.Add(entry);
            entry.IsDirty = false;
        }

        _dirty.Clear();
        _flushListener(flushed);
        foreach (var entry in flushed)
        {
            if (entry.Value is null && !entry.IsDirty && _entries.Remove(entry.Key))
            {
                _lru.Remove(entry.LruNode!);
                Resize(-entry.Size);
            }
        }
    }

    /// <summary>Drops the least recently used entry, flushing first if it is dirty.</summary>
    public void EvictOne()
    {
        var eldest = _lru.First?.Value;
        if (eldest is null)
        {
            return;
        }

        if (eldest.IsDirty)
        {
            Flush();
        }

        if (_entries.Remove(eldest.Key))
        {
            _lru.Remove(eldest.LruNode!);
            Resize(-eldest.Size);
        }
    }

    /// <summary>Every entry (clean and dirty) with a key in [<paramref name="from"/>, <paramref name="to"/>] (null: unbounded), unordered.</summary>
    public List<CacheEntry> Range(Bytes? from, Bytes? to)
    {
        var result = new List<CacheEntry>();
        foreach (var entry in _entries.Values)
        {
            if ((from is null || entry.Key.CompareTo(from) >= 0) && (to is null || entry.Key.CompareTo(to) <= 0))
            {
                result.Add(entry);
            }
        }

        return result;
    }

    /// <summary>Drops everything without flushing (the task is closing dirty).</summary>
    public void Clear()
    {
        _entries.Clear();
        _lru.Clear();
        _dirty.Clear();
        Resize(-SizeBytes);
    }

    private void Touch(CacheEntry entry)
    {
        // An aggregation reads and then writes the same key: the second touch finds it last already.
        var node = entry.LruNode!;
        if (node.Next is null)
        {
            return;
        }

        _lru.Remove(node);
        _lru.AddLast(node);
    }

    private void Resize(long delta)
    {
        SizeBytes += delta;
        _owner?.Resized(delta);
    }
}
