namespace Platform.Streams.State.Internal;

/// <summary>
/// The in-memory session byte store: sessions ordered by end, then key (unsigned byte order), then start, as
/// Kafka's in-memory session store. Retention follows the largest session end written: sessions ending at or
/// before that - retention are dropped and no longer accepted. Reads return snapshots.
/// </summary>
internal sealed class InMemorySessionStore : ISessionStore<Bytes, byte[]>
{
    private static readonly IComparer<Bytes> ByteOrder = Comparer<Bytes>.Create(static (a, b) => a.CompareTo(b));
    private readonly SortedDictionary<long, SortedDictionary<Bytes, SortedDictionary<long, byte[]>>> _sessions = [];
    private readonly Lock _lock = new();

    public InMemorySessionStore(string name, long retentionPeriodMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(retentionPeriodMs);
        Name = name;
        RetentionPeriodMs = retentionPeriodMs;
    }

    public string Name { get; }

    public long RetentionPeriodMs { get; }

    public bool Persistent => false;

    public bool IsOpen { get; private set; }

    /// <summary>The largest session end written; -1 before the first.</summary>
    public long ObservedStreamTime { get; private set; } = -1;

    /// <summary>Writes refused because their session had already expired.</summary>
    public long ExpiredWrites { get; private set; }

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Register(root, (key, value) =>
        {
            var (keyLength, window) = SerDes.SessionWindowedSerde<byte[]>.ReadWindow(key);
            var session = new Windowed<Bytes>(Bytes.Copy(key.AsSpan(0, keyLength)), window);
            if (value is null)
            {
                Remove(session);
            }
            else
            {
                Put(session, value);
            }
        });
        IsOpen = true;
    }

    public void Put(Windowed<Bytes> session, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        if (value is null)
        {
            Remove(session);
            return;
        }

        lock (_lock)
        {
            var end = session.Window.EndMs;
            ObservedStreamTime = Math.Max(ObservedStreamTime, end);
            if (end <= ObservedStreamTime - RetentionPeriodMs)
            {
                ExpiredWrites++;
                return;
            }

            if (!_sessions.TryGetValue(end, out var keys))
            {
                keys = new SortedDictionary<Bytes, SortedDictionary<long, byte[]>>(ByteOrder);
                _sessions.Add(end, keys);
            }

            if (!keys.TryGetValue(session.Key, out var starts))
            {
                starts = [];
                keys.Add(session.Key, starts);
            }

            starts[session.Window.StartMs] = value;
            RemoveExpired();
        }
    }

    public void Remove(Windowed<Bytes> session)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        lock (_lock)
        {
            var end = session.Window.EndMs;
            if (_sessions.TryGetValue(end, out var keys) && keys.TryGetValue(session.Key, out var starts) && starts.Remove(session.Window.StartMs))
            {
                if (starts.Count == 0)
                {
                    keys.Remove(session.Key);
                }

                if (keys.Count == 0)
                {
                    _sessions.Remove(end);
                }
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FindSessions(Bytes key, long earliestSessionEndMs, long latestSessionStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Find(key, key, earliestSessionEndMs, latestSessionStartMs);
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes key) => FindSessions(key, 0, long.MaxValue);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo) => Find(keyFrom, keyTo, 0, long.MaxValue);

    public void Flush()
    {
    }

    public void Close()
    {
        lock (_lock)
        {
            _sessions.Clear();
        }

        IsOpen = false;
    }

    private List<KeyValuePair<Windowed<Bytes>, byte[]>> Find(Bytes? keyFrom, Bytes? keyTo, long earliestEnd, long latestStart)
    {
        var result = new List<KeyValuePair<Windowed<Bytes>, byte[]>>();
        lock (_lock)
        {
            var minEnd = Math.Max(earliestEnd, ObservedStreamTime - RetentionPeriodMs + 1);
            foreach (var (end, keys) in _sessions)
            {
                if (end < minEnd)
                {
                    continue;
                }

                foreach (var (key, starts) in keys)
                {
                    if (keyFrom is not null && key.CompareTo(keyFrom) < 0)
                    {
                        continue;
                    }

                    if (keyTo is not null && key.CompareTo(keyTo) > 0)
                    {
                        break;
                    }

                    foreach (var (start, value) in starts)
                    {
                        if (start > latestStart)
                        {
                            break;
                        }

                        result.Add(new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, new Window(start, end)), value));
                    }
                }
            }
        }

        return result;
    }

    private void RemoveExpired()
    {
        while (_sessions.Count > 0)
        {
            var first = _sessions.Keys.First();
            if (first > ObservedStreamTime - RetentionPeriodMs)
            {
                return;
            }

            _sessions.Remove(first);
        }
    }
}
