using Platform.Protocol;

namespace Platform.Storage;

public sealed partial class PartitionLog
{
    /// <summary>ListOffsets' special timestamp for the log start offset.</summary>
    public const long EarliestTimestamp = -2;

    /// <summary>ListOffsets' special timestamp for the log end offset.</summary>
    public const long LatestTimestamp = -1;

    /// <summary>ListOffsets' special timestamp for the record with the largest timestamp.</summary>
    public const long MaxTimestampQuery = -3;

    /// <summary>
    /// Reads from the batch holding <paramref name="startOffset"/>: at most <paramref name="maxBytes"/> (the
    /// last batch may be cut, as Kafka does; with <paramref name="minOneBatch"/> the first batch is whole
    /// even if larger), never reaching the batch that holds <paramref name="maxOffsetExclusive"/>.
    /// The records are a slice of a segment file, read only when copied.
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">startOffset is below the log start or past the log end.</exception>
    /// <exception cref="StorageException">The log is offline, or this read failed (which takes it offline).</exception>
    public LogReadResult Read(long startOffset, int maxBytes, long maxOffsetExclusive = long.MaxValue, bool minOneBatch = true)
    {
        ThrowIfOffline();
        // The end first: segments published by a roll are always at least as new as the end offset read.
        var highWatermark = HighWatermark;
        var logEndOffset = LogEndOffset;
        var logStartOffset = LogStartOffset;
        var segments = _segments.All;
        if (startOffset < logStartOffset || startOffset > logEndOffset)
        {
            throw new OffsetOutOfRangeException(startOffset, logStartOffset, logEndOffset);
        }

        var limit = Math.Min(maxOffsetExclusive, logEndOffset);
        if (startOffset < limit)
        {
            try
            {
                for (var i = SegmentList.IndexHolding(segments, startOffset); i < segments.Length; i++)
                {
                    if (segments[i].Read(startOffset, maxBytes, limit, minOneBatch) is { } records)
                    {
                        return new LogReadResult(records, highWatermark, logStartOffset, logEndOffset);
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The segment was deleted under the read (file.delete.delay.ms = 0): the offset is gone.
                throw new OffsetOutOfRangeException(startOffset, LogStartOffset, LogEndOffset);
            }
            catch (IOException e)
            {
                throw GoOffline("read", e);
            }
        }

        return new LogReadResult(MemoryRecords.Empty, highWatermark, logStartOffset, logEndOffset);
    }

    /// <summary>
    /// ListOffsets: <see cref="EarliestTimestamp"/> (-2), <see cref="LatestTimestamp"/> (-1),
    /// <see cref="MaxTimestampQuery"/> (-3), or the first offset whose timestamp is at or after
    /// <paramref name="timestamp"/>. Null when no record is that late (the broker answers -1).
    /// </summary>
    public (long Offset, long Timestamp)? ListOffset(long timestamp) => timestamp switch
    {
        EarliestTimestamp => (LogStartOffset, -1),
        LatestTimestamp => (LogEndOffset, -1),
        MaxTimestampQuery => FetchMaxTimestampOffset(),
        _ => FetchOffsetByTimestamp(timestamp),
    };

    /// <summary>The first offset with a timestamp at or after <paramref name="timestamp"/>, via the time index; null if none.</summary>
    public (long Offset, long Timestamp)? FetchOffsetByTimestamp(long timestamp)
    {
        ThrowIfOffline();
        var logStartOffset = LogStartOffset;
        foreach (var segment in _segments.All)
        {
            if (segment.NextOffset <= logStartOffset || segment.MaxTimestamp < timestamp)
            {
                continue;
            }

            if (segment.FindBatchByTimestamp(timestamp, logStartOffset) is { } batch)
            {
                return TimestampSearch.FindRecordByTimestamp(segment, batch, timestamp, logStartOffset);
            }
        }

        return null;
    }

    /// <summary>The offset and timestamp of the record with the largest timestamp; null for an empty log.</summary>
    public (long Offset, long Timestamp)? FetchMaxTimestampOffset()
    {
        ThrowIfOffline();
        LogSegment? best = null;
        foreach (var segment in _segments.All)
        {
            if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.MaxTimestamp))
            {
                best = segment;
            }
        }

        if (best is null)
        {
            return null;
        }

        var timestamp = best.MaxTimestamp;
        var offset = best.OffsetOfMaxTimestamp;
        if (best.Translate(offset, best.Size) is { } batch)
        {
            offset = TimestampSearch.FindRecordWithTimestamp(best, batch, timestamp);
        }

        return (offset, timestamp);
    }
}
