namespace Platform.Streams.State.Internal;

/// <summary>
/// The in-memory byte store: a hash map for point reads and a sorted key set for ranges (unsigned byte order).
/// Ranges iterate a snapshot, so the stream thread may write while interactive queries read; a lock keeps
/// the two structures consistent between those threads.
/// </summary>
internal sealed class InMemoryKeyValueStore : IKeyValueStore<Bytes, byte[]>, IKeyFinder
{
    private readonly Dictionary<Bytes, byte[]> _map = new(BytesComparer.Instance);
    private readonly Dictionary<Bytes, byte[]>.AlternateLookup<ReadOnlySpan<byte>> _byContent;
    private readonly SortedSet<Bytes> _keys = new(Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b)));
    private readonly Lock _lock = new();

    public InMemoryKeyValueStore(string name)
    {
        Name = name;
        _byContent = _map.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public string Name { get; }

    public bool Persistent => false;

    public bool IsOpen { get; private set; }

    public long ApproximateNumEntries
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Register(root, (key, value) => Put(new Bytes(key), value));
        IsOpen = true;
    }

    public byte[]? Get(Bytes key)
    {
        lock (_lock)
        {
            return _map.GetValueOrDefault(key);
        }
    }

    public Bytes? FindKey(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            return _byContent.TryGetValue(key, out var held, out _) ? held : null;
        }
    }

    public bool TryGet(Bytes key, out byte[] value)
    {
        lock (_lock)
        {
            return _map.TryGetValue(key, out value!);
        }
    }

    public void Put(Bytes key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            PutLocked(key, value);
        }
    }

    public byte[]? PutIfAbsent(Bytes key, byte[] value)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                return existing;
            }

            PutLocked(key, value);
            return null;
        }
    }

    public void PutAll(IEnumerable<KeyValuePair<Bytes, byte[]?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            Put(key, value);
        }
    }

    public byte[]? Delete(Bytes key)
    {
        lock (_lock)
        {
            if (_map.Remove(key, out var old))
            {
                _keys.Remove(key);
                return old;
            }

            return null;
        }
    }

    public IEnumerable<KeyValuePair<Bytes, byte[]>> Range(Bytes? from, Bytes? to) => Snapshot(from, to, reverse: false);

    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseRange(Bytes? from, Bytes? to) => Snapshot(from, to, reverse: true);

    public IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Snapshot(null, null, reverse: false);

    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll() => Snapshot(null, null, reverse: true);

    public void Flush()
    {
    }

    public void Close()
    {
        lock (_lock)
        {
            _map.Clear();
            _keys.Clear();
        }

        IsOpen = false;
    }

    private void PutLocked(Bytes key, byte[]? value)
    {
        if (value is null)
        {
            if (_map.Remove(key))
            {
                _keys.Remove(key);
            }
        }
        else if (_map.TryAdd(key, value))
        {
            _keys.Add(key);
        }
        else
        {
            _map[key] = value;
        }
    }

    private List<KeyValuePair<Bytes, byte[]>> Snapshot(Bytes? from, Bytes? to, bool reverse)
    {
        var result = new List<KeyValuePair<Bytes, byte[]>>();
        lock (_lock)
        {
            if (_keys.Count == 0 || (from is not null && to is not null && from.CompareTo(to) > 0))
            {
                return result;
            }

            var lower = from ?? _keys.Min!;
            var upper = to ?? _keys.Max!;
            if (lower.CompareTo(upper) > 0)
            {
                return result;
            }

            var view = _keys.GetViewBetween(lower, upper);
            foreach (var key in reverse ? view.Reverse() : view)
            {
                result.Add(new KeyValuePair<Bytes, byte[]>(key, _map[key]));
            }
        }

        return result;
    }
}
