using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Takes whole segments off the start of one log: by retention.ms and retention.bytes, and those wholly below
/// the log start offset, which DeleteRecords and a follower's leader move up. Only segments below the high
/// watermark go; a log that would lose every segment first rolls (<paramref name="roll"/>, the log's own roll
/// with its producer snapshot), so it always keeps an active one. Changes run under the log's append lock;
/// removed segments' files are deleted after it, once file.delete.delay.ms has passed.
/// </summary>
internal sealed class LogRetention(SegmentList segments, LogOffsets offsets, HighWatermarkState highWatermark, LogStatus status, Lock appendLock, Func<LogConfig> currentConfig, Func<long, LogSegment> roll, string directory, ILogger logger)
{
    /// <summary>See <see cref="PartitionLog.ApplyRetention"/>.</summary>
    public int Apply(long nowMs)
    {
        var removed = 0;
        lock (appendLock)
        {
            if (!status.IsClosed && !status.IsOffline)
            {
                var config = currentConfig();
                if (config.Delete && config.RetentionMs >= 0)
                {
                    removed += DeleteOldSegments((segment, _) => segment.MaxTimestamp >= 0 && nowMs - segment.MaxTimestamp > config.RetentionMs, "retention.ms", nowMs);
                }

                if (config.Delete && config.RetentionBytes >= 0)
                {
                    var excess = segments.Size - config.RetentionBytes;
                    removed += DeleteOldSegments((segment, _) => (excess -= segment.Size) >= 0, "retention.bytes", nowMs);
                }

                removed += DeleteOldSegments(IsBelowLogStart, "log start offset", nowMs);
            }
        }

        DeleteRetired(nowMs);
        return removed;
    }

    /// <summary>See <see cref="PartitionLog.DeleteRecordsBefore"/>.</summary>
    public long DeleteRecordsBefore(long offset, long nowMs)
    {
        long logStartOffset;
        lock (appendLock)
        {
            status.ThrowIfUnusable();
            if (offset == -1)
            {
                offset = highWatermark.Value;
            }

            if (offset < 0 || offset > highWatermark.Value)
            {
                throw new OffsetOutOfRangeException(offset, offsets.Start, highWatermark.Value);
            }

            offsets.AdvanceStart(offset);
            DeleteOldSegments(IsBelowLogStart, "delete records", nowMs);
            logStartOffset = offsets.Start;
        }

        DeleteRetired(nowMs);
        return logStartOffset;
    }

    /// <summary>See <see cref="PartitionLog.FollowLeaderLogStartOffset"/>.</summary>
    public void FollowLeaderLogStartOffset(long leaderLogStartOffset, long nowMs)
    {
        lock (appendLock)
        {
            status.ThrowIfUnusable();
            offsets.AdvanceStart(Math.Min(leaderLogStartOffset, offsets.End));
            if (segments.Count < 2 || segments.All[1].BaseOffset > offsets.Start
                || DeleteOldSegments(IsBelowLogStart, "leader log start offset", nowMs) == 0)
            {
                return;
            }
        }

        DeleteRetired(nowMs);
    }

    /// <summary>Deletes the files of removed segments once file.delete.delay.ms has passed.</summary>
    public void DeleteRetired(long nowMs) => segments.DeleteRetired(nowMs);

    /// <summary>A segment whose every offset is below the log start offset (the next one starts at or before it).</summary>
    private bool IsBelowLogStart(LogSegment segment, LogSegment? next) => next is not null && next.BaseOffset <= offsets.Start;

    /// <summary>Takes segments matching <paramref name="predicate"/> off the start of the log, below the high watermark. Caller holds the lock.</summary>
    private int DeleteOldSegments(Func<LogSegment, LogSegment?, bool> predicate, string reason, long nowMs)
    {
        var count = segments.CountOldest(predicate, highWatermark.Value, offsets.End);
        if (count == 0)
        {
            return 0;
        }

        try
        {
            if (count == segments.Count)
            {
                roll(nowMs);
            }

            segments.RemoveOldest(count, nowMs, currentConfig().FileDeleteDelayMs);
            offsets.AdvanceStart(segments.All[0].BaseOffset);
            logger.DeletingSegments(count, directory, reason, offsets.Start);
        }
        catch (IOException e)
        {
            throw new StorageException($"Deleting segments of {directory} failed: {e.Message}", e);
        }

        return count;
    }
}
