namespace Platform.Streams.State.Internal;

/// <summary>
/// The in-memory window byte store: windows ordered by start, keys by unsigned byte order within a start.
/// Retention follows the store's stream time (the largest window start written): windows starting at or
/// before stream time - retention are dropped and no longer accepted, as Kafka's in-memory window store does.
/// Reads return snapshots, so a processor may write while it iterates (the sliding aggregation does).
/// </summary>
internal sealed class InMemoryWindowStore : IWindowStore<Bytes, byte[]>
{
    private static readonly IComparer<Bytes> ByteOrder = Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b));
    private readonly SortedDictionary<long, SortedDictionary<Bytes, byte[]>> _windows = [];
    private readonly Lock _lock = new();

    public InMemoryWindowStore(string name, long retentionPeriodMs, long windowSizeMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(retentionPeriodMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSizeMs);
        Name = name;
        RetentionPeriodMs = retentionPeriodMs;
        WindowSizeMs = windowSizeMs;
    }

    public string Name { get; }

    public long RetentionPeriodMs { get; }

    public long WindowSizeMs { get; }

    public bool Persistent => false;

    public bool IsOpen { get; private set; }

    /// <summary>The largest window start written; -1 before the first.</summary>
    public long ObservedStreamTime { get; private set; } = -1;

    /// <summary>Writes refused because their window had already expired.</summary>
    public long ExpiredWrites { get; private set; }

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Register(root, (key, value) =>
        {
            var (plainKey, start, _) = WindowKeySchema.FromStoreKeyBinary(key);
            Put(plainKey, value, start);
        });
        IsOpen = true;
    }

    public void Put(Bytes key, byte[]? value, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            ObservedStreamTime = Math.Max(ObservedStreamTime, windowStartMs);
            if (windowStartMs <= ObservedStreamTime - RetentionPeriodMs)
            {
                ExpiredWrites++;
                return;
            }

            if (value is null)
            {
                if (_windows.TryGetValue(windowStartMs, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    _windows.Remove(windowStartMs);
                }
            }
            else
            {
                if (!_windows.TryGetValue(windowStartMs, out var keys))
                {
                    keys = new SortedDictionary<Bytes, byte[]>(ByteOrder);
                    _windows.Add(windowStartMs, keys);
                }

                keys[key] = value;
            }

            RemoveExpired();
        }
    }

    public byte[]? Fetch(Bytes key, long windowStartMs)
    {
        lock (_lock)
        {
            return windowStartMs > MinLiveTime && _windows.TryGetValue(windowStartMs, out var keys) ? keys.GetValueOrDefault(key) : null;
        }
    }

    public IEnumerable<KeyValuePair<long, byte[]>> Fetch(Bytes key, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var result = new List<KeyValuePair<long, byte[]>>();
        lock (_lock)
        {
            foreach (var (start, keys) in Starts(fromMs, toMs))
            {
                if (keys.TryGetValue(key, out var value))
                {
                    result.Add(new KeyValuePair<long, byte[]>(start, value));
                }
            }
        }

        return result;
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo, long fromMs, long toMs)
    {
        var result = new List<KeyValuePair<Windowed<Bytes>, byte[]>>();
        if (keyFrom is not null && keyTo is not null && keyFrom.CompareTo(keyTo) > 0)
        {
            return result;
        }

        lock (_lock)
        {
            foreach (var (start, keys) in Starts(fromMs, toMs))
            {
                foreach (var (key, value) in keys)
                {
                    if (keyFrom is not null && key.CompareTo(keyFrom) < 0)
                    {
                        continue;
                    }

                    if (keyTo is not null && key.CompareTo(keyTo) > 0)
                    {
                        break;
                    }

                    result.Add(new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, WindowAt(start)), value));
                }
            }
        }

        return result;
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FetchAll(long fromMs, long toMs) => Fetch(null, null, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> All() => Fetch(null, null, long.MinValue, long.MaxValue);

    public void Flush()
    {
    }

    public void Close()
    {
        lock (_lock)
        {
            _windows.Clear();
        }

        IsOpen = false;
    }

    private long MinLiveTime => ObservedStreamTime - RetentionPeriodMs;

    private Window WindowAt(long start) => new(start, start <= long.MaxValue - WindowSizeMs ? start + WindowSizeMs : long.MaxValue);

    private IEnumerable<KeyValuePair<long, SortedDictionary<Bytes, byte[]>>> Starts(long fromMs, long toMs)
    {
        var from = Math.Max(fromMs, MinLiveTime + 1);
        foreach (var entry in _windows)
        {
            if (entry.Key > toMs)
            {
                yield break;
            }

            if (entry.Key >= from)
            {
                yield return entry;
            }
        }
    }

    private void RemoveExpired()
    {
        while (_windows.Count > 0)
        {
            var first = _windows.Keys.First();
            if (first > MinLiveTime)
            {
                return;
            }

            _windows.Remove(first);
        }
    }
}
