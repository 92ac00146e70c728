using System.Buffers.Binary;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State.RocksDb;

/// <summary>
/// The persistent window byte store: windows in time segments (see <see cref="KeySegments"/>) of one RocksDB
/// database in <c>&lt;task&gt;/rocksdb/&lt;store&gt;</c>, each stored under segment + key + window start + sequence
/// number (Kafka's window key layout behind the segment prefix), so one key's windows are contiguous within a
/// segment. Retention follows the largest window start written, as in the in-memory store: older windows are
/// neither accepted nor returned, and whole segments go once they are past it. After a restart the store
/// keeps its data and the task replays only the changelog past its checkpoint. With <c>retainDuplicates</c>
/// (stream-stream join buffers) every put is a new entry under its own sequence number and a null put changes
/// nothing, as in Kafka.
/// </summary>
internal sealed class RocksDbWindowStore : IWindowStore<Bytes, byte[]>, ISequencedWindowStore
{
    private const int SuffixLength = sizeof(long) + sizeof(int);
    private readonly RocksDbKeyValueStore _db;
    private readonly KeySegments _segments;
    private int _sequence;

    public RocksDbWindowStore(string name, long retentionPeriodMs, long windowSizeMs, bool retainDuplicates = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(windowSizeMs);
        _db = new RocksDbKeyValueStore(name);
        _segments = new KeySegments(retentionPeriodMs);
        RetentionPeriodMs = retentionPeriodMs;
        WindowSizeMs = windowSizeMs;
        RetainDuplicates = retainDuplicates;
    }

    public string Name => _db.Name;

    public long RetentionPeriodMs { get; }

    public long WindowSizeMs { get; }

    /// <summary>Whether every put adds an entry (join buffers) instead of replacing the key's value in its window.</summary>
    public bool RetainDuplicates { get; }

    /// <inheritdoc/>
    public int LastSequenceNumber { get; private set; }

    /// <summary>The time one segment spans.</summary>
    public long SegmentIntervalMs => _segments.IntervalMs;

    public bool Persistent => true;

    public bool IsOpen => _db.IsOpen;

    /// <summary>The largest window start written (or found on disk); -1 before the first.</summary>
    public long ObservedStreamTime { get; private set; } = -1;

    private long MinLiveTime => ObservedStreamTime - RetentionPeriodMs;

    public void Init(IStateStoreContext context, IStateStore root)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(root);
        _db.Open(context);
        ObservedStreamTime = KeySegments.LatestTime(_db, StartOf);

        // The entries kept from before a restart hold sequence numbers from 0 up: continuing at a random one makes
        // it unlikely that a new duplicate lands on an old one's key.
        _sequence = RetainDuplicates ? Random.Shared.Next() : 0;
        context.Register(root, (key, value) =>
        {
            // A duplicate comes back under the number it was logged with, so a replay over kept data adds no copy.
            var (plainKey, start, sequence) = WindowKeySchema.FromStoreKeyBinary(key);
            Write(plainKey, value, start, RetainDuplicates ? sequence : 0);
        });
    }

    public void Put(Bytes key, byte[]? value, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (RetainDuplicates && value is not null)
        {
            LastSequenceNumber = unchecked(_sequence++);
        }

        Write(key, value, windowStartMs, RetainDuplicates ? LastSequenceNumber : 0);
    }

    private void Write(Bytes key, byte[]? value, long windowStartMs, int sequenceNumber)
    {
        ObservedStreamTime = Math.Max(ObservedStreamTime, windowStartMs);
        if (windowStartMs <= MinLiveTime)
        {
            return;
        }

        if (value is null)
        {
            if (!RetainDuplicates)
            {
                _db.Delete(new Bytes(StoreKey(key.Value, windowStartMs, 0)));
            }
        }
        else
        {
            _db.Put(new Bytes(StoreKey(key.Value, windowStartMs, sequenceNumber)), value);
        }

        _segments.DropExpired(_db, MinLiveTime + 1);
    }

    public byte[]? Fetch(Bytes key, long windowStartMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (RetainDuplicates)
        {
            foreach (var (_, value) in Fetch(key, windowStartMs, windowStartMs))
            {
                return value;
            }

            return null;
        }

        return windowStartMs > MinLiveTime && ObservedStreamTime >= 0 ? _db.Get(new Bytes(StoreKey(key.Value, windowStartMs, 0))) : null;
    }

    public IEnumerable<KeyValuePair<long, byte[]>> Fetch(Bytes key, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(key);
        var from = Math.Max(fromMs, MinLiveTime + 1);
        var to = Math.Min(toMs, ObservedStreamTime);
        foreach (var id in _segments.Between(_db, from, to))
        {
            // Starts are written big-endian, so the seek starts at 0: stream times (record timestamps) are never negative.
            var lower = new Bytes(StoreKey(key.Value, Math.Max(from, 0), 0, id));
            var upper = new Bytes(StoreKey(key.Value, to, -1, id));
            foreach (var (storeKey, value) in _db.Range(lower, upper))
            {
                // A longer key that starts with this one sorts among its windows: the length tells them apart.
                if (storeKey.Value.Length == KeySegments.PrefixLength + key.Value.Length + SuffixLength)
                {
                    yield return new KeyValuePair<long, byte[]>(StartOf(storeKey.Value), value);
                }
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> Fetch(Bytes? keyFrom, Bytes? keyTo, long fromMs, long toMs)
    {
        if (keyFrom is not null && keyTo is not null && keyFrom.CompareTo(keyTo) > 0)
        {
            yield break;
        }

        var from = Math.Max(fromMs, MinLiveTime + 1);
        var to = Math.Min(toMs, ObservedStreamTime);
        foreach (var id in _segments.Between(_db, from, to))
        {
            var start = keyFrom is null ? null : StoreKey(keyFrom.Value, long.MinValue, 0, id);
            foreach (var (storeKey, value) in KeySegments.Scan(_db, id, start))
            {
                var bytes = storeKey.Value;
                var plain = new Bytes(bytes.AsSpan(KeySegments.PrefixLength, bytes.Length - KeySegments.PrefixLength - SuffixLength).ToArray());
                var windowStart = StartOf(bytes);
                if (windowStart < from || windowStart > to || (keyFrom is not null && plain.CompareTo(keyFrom) < 0) || (keyTo is not null && plain.CompareTo(keyTo) > 0))
                {
                    continue;
                }

                yield return new KeyValuePair<Windowed<Bytes>, byte[]>(new Windowed<Bytes>(plain, WindowAt(windowStart)), value);
            }
        }
    }

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> FetchAll(long fromMs, long toMs) => Fetch(null, null, fromMs, toMs);

    public IEnumerable<KeyValuePair<Windowed<Bytes>, byte[]>> All() => Fetch(null, null, long.MinValue, long.MaxValue);

    public void Flush() => _db.Flush();

    public void Close() => _db.Close();

    private Window WindowAt(long start) => new(start, start <= long.MaxValue - WindowSizeMs ? start + WindowSizeMs : long.MaxValue);

    private static long StartOf(byte[] storeKey) => BinaryPrimitives.ReadInt64BigEndian(storeKey.AsSpan(storeKey.Length - SuffixLength));

    private byte[] StoreKey(byte[] key, long windowStartMs, int sequenceNumber) => StoreKey(key, windowStartMs, sequenceNumber, _segments.SegmentId(windowStartMs));

    private static byte[] StoreKey(byte[] key, long windowStartMs, int sequenceNumber, long segmentId)
    {
        var bytes = new byte[KeySegments.PrefixLength + key.Length + SuffixLength];
        KeySegments.WritePrefix(bytes, segmentId);
        key.CopyTo(bytes.AsSpan(KeySegments.PrefixLength));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(KeySegments.PrefixLength + key.Length), windowStartMs);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(bytes.Length - sizeof(int)), sequenceNumber);
        return bytes;
    }
}
