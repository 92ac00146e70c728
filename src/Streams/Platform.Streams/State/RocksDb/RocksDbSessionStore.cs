using System.Buffers.Binary;
using Platform.Streams.SerDes;

namespace Platform.Streams.State.RocksDb;

/// <summary>
/// The persistent session byte store: sessions in time segments of their end (see <see cref="KeySegments"/>) of
/// one RocksDB database in <c>&lt;task&gt;/rocksdb/&lt;store&gt;</c>, each stored under segment + key + session end +
/// session start (Kafka's session key layout behind the segment prefix). Retention follows the largest session
/// end written, as in the in-memory store; whole segments go once they are past it. After a restart the store
/// keeps its data and the task replays only the changelog past its checkpoint.
/// </summary>
internal sealed class RocksDbSessionStore : ISessionStore<Bytes, byte[]>
{
    private const int SuffixLength = 2 * sizeof(long);
    private readonly RocksDbKeyValueStore _db;
    private readonly KeySegments _segments;

    public RocksDbSessionStore(string name, long retentionPeriodMs)
    {
        _db = new RocksDbKeyValueStore(name);
        _segments = new KeySegments(retentionPeriodMs);
        RetentionPeriodMs = retentionPeriodMs;
    }

    public string Name => _db.Name;

    public long RetentionPeriodMs { get; }

    public bool Persistent => true;

    public bool IsOpen => _db.IsOpen;

    /// <summary>The largest session end written (or found on disk); -1 before the first.</summary>
    public long ObservedStreamTime { get; private set; } = -1;

    private long MinLiveEnd => ObservedStreamTime - RetentionPeriodMs + 1;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(root);
        _db.Open(context);
        ObservedStreamTime = KeySegments.LatestTime(_db, EndOf);
        context.Register(root, (key, value) =>
        {
            var (keyLength, window) = SessionWindowedSerde<byte[]>.ReadWindow(key);
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
    }

    public void Put(Windowed<Bytes> session, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        if (value is null)
        {
            Remove(session);
            return;
        }

        var end = session.Window.EndMs;
        ObservedStreamTime = Math.Max(ObservedStreamTime, end);
        if (end < MinLiveEnd)
        {
            return;
        }

        _db.Put(new Bytes(StoreKey(session.Key.Value, end, session.Window.StartMs)), value);
        _segments.DropExpired(_db, MinLiveEnd);
    }

    public void Remove(Windowed<Bytes> session)
    {
        ArgumentNullException.ThrowIfNull(session.Key);
        _db.Delete(new Bytes(StoreKey(session.Key.Value, session.Window.EndMs, session.Window.StartMs)));
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FindSessions(Bytes key, long earliestSessionEndMs, long latestSessionStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var minEnd = Math.Max(earliestSessionEndMs, MinLiveEnd);
        foreach (var id in _segments.Between(_db, minEnd, ObservedStreamTime))
        {
            // Ends and starts are written big-endian, so the seek starts at 0: stream times are never negative.
            var lower = new Bytes(StoreKey(key.Value, Math.Max(minEnd, 0), 0, id));
            var upper = new Bytes(StoreKey(key.Value, long.MaxValue, long.MaxValue, id));
            foreach (var (storeKey, value) in _db.Range(lower, upper))
            {
                // A longer key that starts with this one sorts among its sessions: the length tells them apart.
                if (storeKey.Value.Length == KeySegments.PrefixLength + key.Value.Length + SuffixLength && StartOf(storeKey.Value) <= latestSessionStartMs)
                {
                    yield return new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(key, new Window(StartOf(storeKey.Value), EndOf(storeKey.Value))), value);
                }
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes key) => FindSessions(key, 0, long.MaxValue);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo)
    {
        if (keyFrom is not null && keyTo is not null && keyFrom.CompareTo(keyTo) > 0)
        {
            yield break;
        }

        var minEnd = Math.Max(0, MinLiveEnd);
        foreach (var id in _segments.Between(_db, minEnd, ObservedStreamTime))
        {
            var start = keyFrom is null ? null : StoreKey(keyFrom.Value, 0, 0, id);
            foreach (var (storeKey, value) in KeySegments.Scan(_db, id, start))
            {
                var bytes = storeKey.Value;
                var plain = new Bytes(bytes.AsSpan(KeySegments.PrefixLength, bytes.Length - KeySegments.PrefixLength - SuffixLength).ToArray());
                if (EndOf(bytes) < minEnd || (keyFrom is not null && plain.CompareTo(keyFrom) < 0) || (keyTo is not null && plain.CompareTo(keyTo) > 0))
                {
                    continue;
                }

                yield return new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(plain, new Window(StartOf(bytes), EndOf(bytes))), value);
            }
        }
    }

    public void Flush() => _db.Flush();

    public void Close() => _db.Close();

    private static long EndOf(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - SuffixLength));

    private static long StartOf(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - sizeof(long)));

    private byte[] StoreKey(byte[] key, long endMs, long startMs) => StoreKey(key, endMs, startMs, _segments.SegmentId(endMs));

    private static byte[] StoreKey(byte[] key, long endMs, long startMs, long segmentId)
    {
        var bytes = new byte[KeySegments.PrefixLength + key.Length + SuffixLength];
        KeySegments.WritePrefix(bytes, segmentId);
        key.CopyTo(bytes.AsSpan(KeySegments.PrefixLength));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(KeySegments.PrefixLength + key.Length), endMs);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(bytes.Length - sizeof(long)), startMs);
        return bytes;
    }
}
