using System.Globalization;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>
/// A place in the change stream: the transaction's commit LSN (transactions arrive in commit order) and the
/// event's number within it; <see cref="SnapshotCompleted"/> says the initial snapshot is behind it. Stored as
/// the source offset (<c>lsn</c>, <c>event</c>, <c>txId</c>, <c>snapshot</c>, <c>snapshot_completed</c>).
/// </summary>
internal readonly record struct CdcPosition(ulong Lsn, long Event, bool SnapshotCompleted) : IComparable<CdcPosition>
{
    public const string LsnKey = "lsn";
    public const string EventKey = "event";
    public const string TxIdKey = "txId";
    public const string SnapshotKey = "snapshot";
    public const string SnapshotCompletedKey = "snapshot_completed";

    public int CompareTo(CdcPosition other) => Lsn != other.Lsn ? Lsn.CompareTo(other.Lsn) : Event.CompareTo(other.Event);

    public Dictionary<string, object?> ToOffset(uint? xid) => new()
    {
        [LsnKey] = (long)Lsn,
        [EventKey] = Event,
        [TxIdKey] = xid is { } x ? (long)x : null,
        [SnapshotCompletedKey] = true,
    };

    /// <summary>The position a stored offset describes; null when none is stored or a snapshot was interrupted.</summary>
    public static CdcPosition? FromOffset(IReadOnlyDictionary<string, object?>? offset)
    {
        if (offset is null || !offset.TryGetValue(LsnKey, out var lsn) || lsn is null)
        {
            return null;
        }

        var completed = !offset.TryGetValue(SnapshotCompletedKey, out var c) || c is true || (c is string s && bool.TryParse(s, out var b) && b);
        if (!completed)
        {
            return null;
        }

        var isSnapshot = offset.TryGetValue(SnapshotKey, out var snap) && snap is true;
        var eventNumber = offset.TryGetValue(EventKey, out var e) && e is not null ? Convert.ToInt64(e, CultureInfo.InvariantCulture) : 0;
        // After a completed snapshot the stream starts past its consistent point: nothing there to skip.
        return new CdcPosition((ulong)Convert.ToInt64(lsn, CultureInfo.InvariantCulture), isSnapshot ? 0 : eventNumber, true);
    }
}
