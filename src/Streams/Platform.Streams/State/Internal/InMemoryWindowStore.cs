namespace Platform.Streams.State.Internal;

/// <summary>
/// The in-memory window byte store: windows ordered by start, keys by unsigned byte order within a start.
/// Retention follows the store's stream time (the largest window start written): windows starting at or
/// before stream time - retention are dropped and no longer accepted, as Kafka's in-memory window store does.
/// Reads return snapshots, so a processor may write while it iterates (the sliding aggregation does). With
/// <c>retainDuplicates</c> (stream-stream join buffers) every put adds a value, kept in arrival order, and a
/// null put changes nothing, as in Kafka; expiry drops a whole window start at a time.
/// </summary>
internal sealed class InMemoryWindowStore : IWindowStore<Bytes, byte[]>
{
    private static readonly IComparer<Bytes> ByteOrder = Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b));
    // Per window start, per key, the values: one, or every one put when duplicates are retained. The starts are
    // also kept in order, so a time range is found in O(log n) rather than by walking every older start.
    private readonly Dictionary<long, SortedDictionary<Bytes, List<byte[]>>> _windows = [];
    private readonly SortedSet<long> _starts = [];
    private readonly Lock _lock = new();

    public InMemoryWindowStore(string name, long retentionPeriodMs, long windowSizeMs, bool retainDuplicates = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(retentionPeriodMs);
        ArgumentOutOfRangeException.ThrowIfNegative(windowSizeMs);
        Name = name;
        RetentionPeriodMs = retentionPeriodMs;
        WindowSizeMs = windowSizeMs;
        RetainDuplicates = retainDuplicates;
    }

    public string Name { get; }

    public long RetentionPeriodMs { get; }

    public long WindowSizeMs { get; }

    /// <summary>Whether every put adds a value (join buffers) instead of replacing the key's value in its window.</summary>
    public bool RetainDuplicates { get; }

    public bool Persistent => false;

    public bool IsOpen { get; private set; }

    /// <summary>The largest window start written; -1 before the first.</summary>
    public long ObservedStreamTime { get; private set; } = -1;

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
                return;
            }

            if (value is null)
            {
                if (!RetainDuplicates && _windows.TryGetValue(windowStartMs, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    _windows.Remove(windowStartMs);
                    _starts.Remove(windowStartMs);
                }
            }
            else
            {
                if (!_windows.TryGetValue(windowStartMs, out var keys))
                {
                    keys = new SortedDictionary<Bytes, List<byte[]>>(ByteOrder);
                    _windows.Add(windowStartMs, keys);
                    _starts.Add(windowStartMs);
                }

                if (!keys.TryGetValue(key, out var values))
                {
                    keys.Add(key, [value]);
                }
                else if (RetainDuplicates)
                {
                    values.Add(value);
                }
                else
                {
                    values[0] = value;
                }
            }

            RemoveExpired();
        }
    }

    public byte[]? Fetch(Bytes key, long windowStartMs)
    {
        lock (_lock)
        {
            return windowStartMs > MinLiveTime && _windows.TryGetValue(windowStartMs, out var keys) && keys.TryGetValue(key, out var values) ? values[0] : null;
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
                if (keys.TryGetValue(key, out var values))
                {
                    foreach (var value in values)
                    {
                        result.Add(new KeyValuePair<long, byte[]>(start, value));
                    }
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
                foreach (var (key, values) in keys)
                {
                    if (keyFrom is not null && key.CompareTo(keyFrom) < 0)
                    {
                        continue;
                    }

                    if (keyTo is not null && key.CompareTo(keyTo) > 0)
                    {
                        break;
                    }

                    foreach (var value in values)
                    {
                        result.Add(new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, WindowAt(start)), value));
                    }
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
            _starts.Clear();
        }

        IsOpen = false;
    }

    private long MinLiveTime => ObservedStreamTime - RetentionPeriodMs;

    private Window WindowAt(long start) => new(start, start <= long.MaxValue - WindowSizeMs ? start + WindowSizeMs : long.MaxValue);

    private IEnumerable<KeyValuePair<long, SortedDictionary<Bytes, List<byte[]>>>> Starts(long fromMs, long toMs)
    {
        var from = Math.Max(fromMs, MinLiveTime + 1);
        if (from > toMs)
        {
            yield break;
        }

        foreach (var start in _starts.GetViewBetween(from, toMs))
        {
            yield return new KeyValuePair<long, SortedDictionary<Bytes, List<byte[]>>>(start, _windows[start]);
        }
    }

    private void RemoveExpired()
    {
        while (_starts.Count > 0 && _starts.Min <= MinLiveTime)
        {
            _windows.Remove(_starts.Min);
            _starts.Remove(_starts.Min);
        }
    }
}
