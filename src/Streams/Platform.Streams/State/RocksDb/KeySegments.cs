using System.Buffers.Binary;

namespace Platform.Streams.State.RocksDb;

/// <summary>
/// The time segments of the RocksDB window and session stores, as in Kafka's segmented stores: a record lives
/// in the segment of its time (window start, session end), each segment spans max(retention / 2, 60 s), and
/// once stream time has moved past a segment's retention the whole segment is dropped at once.
/// </summary>
/// <remarks>
/// All segments of a store share one RocksDB database, each under an 8-byte key prefix (its id, big-endian
/// with the sign bit flipped so ids sort as numbers), rather than one database or column family per segment:
/// the store stays one unit for flush, checkpoint and close, opening it needs no list of segments, and a
/// dropped segment is one range tombstone whose files RocksDB's compaction discards wholesale.
/// </remarks>
internal sealed class KeySegments
{
    /// <summary>Bytes of the segment prefix.</summary>
    public const int PrefixLength = sizeof(long);

    private long _droppedBelow = long.MinValue;

    /// <summary>Segments for a store keeping data for <paramref name="retentionPeriodMs"/>.</summary>
    public KeySegments(long retentionPeriodMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retentionPeriodMs);
        IntervalMs = Math.Max(retentionPeriodMs / 2, 60_000);
    }

    /// <summary>The time one segment spans.</summary>
    public long IntervalMs { get; }

    /// <summary>The segment of <paramref name="timestamp"/> (floor division, so negative times have their own).</summary>
    public long SegmentId(long timestamp)
        => timestamp >= 0 ? timestamp / IntervalMs : -((-(timestamp + 1)) / IntervalMs) - 1;

    /// <summary>The key prefix of segment <paramref name="id"/>.</summary>
    public static byte[] Prefix(long id)
    {
        var prefix = new byte[PrefixLength];
        WritePrefix(prefix, id);
        return prefix;
    }

    /// <summary>Writes the prefix of segment <paramref name="id"/> at the start of <paramref name="destination"/>.</summary>
    public static void WritePrefix(Span<byte> destination, long id)
        => BinaryPrimitives.WriteUInt64BigEndian(destination, unchecked((ulong)id ^ 0x8000_0000_0000_0000UL));

    /// <summary>The segment id of a stored key.</summary>
    public static long ReadId(ReadOnlySpan<byte> storeKey)
        => unchecked((long)(BinaryPrimitives.ReadUInt64BigEndian(storeKey) ^ 0x8000_0000_0000_0000UL));

    /// <summary>The ids of the segments that may hold times in [<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first.</summary>
    public IEnumerable<long> Between(RocksDbKeyValueStore db, long fromMs, long toMs)
    {
        if (fromMs > toMs)
        {
            yield break;
        }

        // Start at the first segment that exists, so a wide range over sparse data does not walk empty ids.
        var last = SegmentId(toMs);
        var first = db.Range(new Bytes(Prefix(SegmentId(fromMs))), null).Select(e => (long?)ReadId(e.Key.Value)).FirstOrDefault();
        if (first is not { } id)
        {
            yield break;
        }

        for (; id <= last; id++)
        {
            yield return id;
        }
    }

    /// <summary>Every stored key and value of segment <paramref name="id"/> from <paramref name="fromKey"/> (a full key with prefix) on.</summary>
    /// <remarks>Every stored key is longer than a prefix, so the next segment's bare prefix bounds this one exclusively.</remarks>
    public static IEnumerable<KeyValuePair<Bytes, byte[]>> Scan(RocksDbKeyValueStore db, long id, byte[]? fromKey = null)
        => db.Range(new Bytes(fromKey ?? Prefix(id)), new Bytes(Prefix(id + 1)));

    /// <summary>
    /// The latest time the store holds (read from its newest segment after a restart), or -1 when it is empty;
    /// <paramref name="timeOf"/> reads a stored key's time.
    /// </summary>
    public static long LatestTime(RocksDbKeyValueStore db, Func<byte[], long> timeOf)
    {
        var newest = db.ReverseAll().Select(e => (long?)ReadId(e.Key.Value)).FirstOrDefault();
        if (newest is not { } id)
        {
            return -1;
        }

        var latest = -1L;
        foreach (var (key, _) in Scan(db, id))
        {
            latest = Math.Max(latest, timeOf(key.Value));
        }

        return latest;
    }

    /// <summary>Drops every segment older than the one holding <paramref name="minLiveTimestamp"/>, once per segment boundary crossed.</summary>
    public void DropExpired(RocksDbKeyValueStore db, long minLiveTimestamp)
    {
        var live = SegmentId(minLiveTimestamp);
        if (live <= _droppedBelow)
        {
            return;
        }

        db.DeleteRange(Prefix(long.MinValue), Prefix(live));
        _droppedBelow = live;
    }
}
