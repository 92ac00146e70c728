namespace Platform.Client.Consumer.Fetching;

/// <summary>How a partition without a position finds one.</summary>
internal enum OffsetReset
{
    /// <summary>No reset pending.</summary>
    None,

    /// <summary>The log start offset.</summary>
    Earliest,

    /// <summary>The high watermark (the last stable offset under read_committed).</summary>
    Latest,
}

/// <summary>
/// The fetch state of one assigned partition. Fields change under the fetcher's lock, except
/// <see cref="Position"/>, which the consuming thread also advances while it owns the partition's
/// buffered fetch (the fetcher leaves a partition with buffered data alone).
/// </summary>
internal sealed class PartitionState(TopicPartition topicPartition)
{
    /// <summary>Special offset: no position yet.</summary>
    public const long NoPosition = -1;

    public TopicPartition TopicPartition { get; } = topicPartition;

    /// <summary>The offset of the next record to return, or <see cref="NoPosition"/>.</summary>
    public long Position = NoPosition;

    /// <summary>A reset to run before fetching (ListOffsets), when <see cref="Position"/> is unknown.</summary>
    public OffsetReset PendingReset;

    /// <summary>Bumped by every seek and reset so that answers to older requests are recognised and dropped.</summary>
    public int Epoch;

    public bool Paused;

    /// <summary>Part of a Fetch or ListOffsets request still in flight.</summary>
    public bool InFlight;

    /// <summary>Completed fetches of this partition queued or being drained.</summary>
    public int BufferedCount;

    /// <summary>
    /// Where the next fetch starts: after the last whole batch buffered, or <see cref="Position"/>
    /// when nothing is. Fetching ahead of the consumer like this keeps the broker busy while the
    /// application drains the previous answer.
    /// </summary>
    public long FetchPosition = NoPosition;

    /// <summary>The last fetch found no new records: the partition is at its end.</summary>
    public bool CaughtUp;

    /// <summary>Fetching stopped after an error the application must see and act on (seek to go on).</summary>
    public bool Blocked;

    /// <summary>No fetch before this time (after a retriable error), in <see cref="Environment.TickCount64"/> ms.</summary>
    public long RetryAtMs;

    /// <summary>The partition's leader from metadata; -1 when unknown.</summary>
    public int Leader = -1;

    public int LeaderEpoch = -1;

    /// <summary>
    /// The leader epoch of the batch the last consumed record came from, or -1 when unknown (after a seek):
    /// with <see cref="Position"/>, what is checked against a new leader's log (KIP-320).
    /// </summary>
    public int PositionEpoch = -1;

    /// <summary>
    /// The leader changed since <see cref="Position"/> was reached: before fetching on, the new leader must
    /// confirm (OffsetForLeaderEpoch) that its log has the position in <see cref="PositionEpoch"/>, or say where
    /// the logs diverge (an unclean election truncated records this consumer read).
    /// </summary>
    public bool AwaitingValidation;

    /// <summary>The last "topic does not exist" has been reported; reported again only after it existed.</summary>
    public bool MissingReported;

    public long HighWatermark = -1;

    public long LastStableOffset = -1;

    public long LogStartOffset = -1;

    /// <summary>The end of the partition was reported (enable.partition.eof) and nothing was returned since.</summary>
    public bool EofReported;

    /// <summary>Unassigned: late answers for it are dropped.</summary>
    public bool Removed;

    /// <summary>Whether a Fetch for this partition may be sent now, keeping at most <paramref name="maxBuffered"/> answers buffered.</summary>
    public bool IsFetchable(long nowMs, int maxBuffered)
        => !Removed && !Paused && !InFlight && BufferedCount < maxBuffered && !Blocked && !AwaitingValidation && FetchPosition >= 0 && PendingReset == OffsetReset.None
            && Leader >= 0 && nowMs >= RetryAtMs;
}
