using Microsoft.Extensions.Logging;

namespace Platform.Storage;

public sealed partial class PartitionLog
{
    /// <summary>Suffix of a partition directory being deleted; removed at start-up if found.</summary>
    public const string DeleteDirectorySuffix = "-delete";

    /// <summary>
    /// Deletes whole segments from the start of the log: by retention.ms (a segment's largest timestamp)
    /// and retention.bytes when cleanup.policy has delete, and always those wholly below the log start
    /// offset. Only segments below the high watermark go; an expired, non-empty active segment is rolled
    /// first. Also deletes the files of removed segments whose file.delete.delay.ms passed.
    /// Returns the number of segments removed.
    /// </summary>
    public int ApplyRetention(long nowMs)
    {
        var removed = 0;
        lock (_lock)
        {
            if (!_closed && !IsOffline)
            {
                var config = _config;
                if (config.Delete)
                {
                    if (config.RetentionMs >= 0)
                    {
                        removed += DeleteOldSegments((segment, _) => segment.MaxTimestamp >= 0 && nowMs - segment.MaxTimestamp > config.RetentionMs, "retention.ms", nowMs);
                    }

                    if (config.RetentionBytes >= 0)
                    {
                        var excess = Size - config.RetentionBytes;
                        removed += DeleteOldSegments(
                            (segment, _) =>
                            {
                                if (excess - segment.Size < 0)
                                {
                                    return false;
                                }

                                excess -= segment.Size;
                                return true;
                            },
                            "retention.bytes",
                            nowMs);
                    }
                }

                removed += DeleteOldSegments(IsBelowLogStart, "log start offset", nowMs);
            }
        }

        DeleteRetiredSegments(nowMs);
        return removed;
    }

    /// <summary>
    /// A follower cuts its log to its leader's history: every batch at or after <paramref name="offset"/>
    /// goes (a batch straddling it too), with the segments, indexes, transaction indexes, producer state
    /// (reloaded from the newest snapshot below the cut and the batches after it) and leader epochs that
    /// covered them. An offset at or below the first segment's base empties the log, which then starts
    /// at <paramref name="offset"/>. Returns the new log end offset.
    /// </summary>
    public long TruncateTo(long offset) => Truncate(offset, fully: false);

    /// <summary>
    /// A follower whose log ends before the leader's log start: everything goes, and the log starts again,
    /// empty, at <paramref name="offset"/> (the leader's log start offset).
    /// </summary>
    public void TruncateFullyAndStartAt(long offset) => Truncate(offset, fully: true);

    private long Truncate(long offset, bool fully)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            if (offset >= _logEndOffset && !fully)
            {
                return _logEndOffset;
            }

            // A roll's snapshot must not land past the cut after the producer state is rebuilt.
            WaitForRollFlush();
            lock (_flusher.SyncLock)
            {
                try
                {
                    if (_segments.TruncateTo(offset, fully, _config, NowMs))
                    {
                        _logStartOffset = _segments.Active.BaseOffset;
                        WriteCheckpoint(LogFileNames.LogStartOffsetCheckpoint, _logStartOffset);
                    }

                    var end = _segments.Active.NextOffset;
                    Volatile.Write(ref _logEndOffset, end);
                    _highWatermark.Truncated(end, fully);
                    _flusher.Truncated(end, fully);
                    _producerState.Clear();
                    LoadProducerState(end);
                    _epochs.TruncateFromEnd(fully ? long.MinValue : end);
                    _logger.LogTruncated(Directory, offset, end);
                    return end;
                }
                catch (IOException e)
                {
                    throw GoOffline("truncate", e);
                }
            }
        }
    }

    /// <summary>
    /// DeleteRecords: moves the log start offset up to <paramref name="offset"/> (-1: the high watermark),
    /// persists it and deletes the segments wholly below it. Returns the new log start offset (low watermark).
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">The offset is past the high watermark.</exception>
    public long DeleteRecordsBefore(long offset)
    {
        var now = NowMs;
        long logStartOffset;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            if (offset == -1)
            {
                offset = HighWatermark;
            }

            if (offset < 0 || offset > HighWatermark)
            {
                throw new OffsetOutOfRangeException(offset, _logStartOffset, HighWatermark);
            }

            IncrementLogStartOffset(offset);
            DeleteOldSegments(IsBelowLogStart, "delete records", now);
            logStartOffset = _logStartOffset;
        }

        DeleteRetiredSegments(now);
        return logStartOffset;
    }

    /// <summary>
    /// A follower follows its leader's log start offset (Kafka's maybeIncrementLogStartOffset on fetch): its own
    /// moves up to <paramref name="leaderLogStartOffset"/> (never past its log end), is persisted, and the
    /// segments wholly below it are deleted, so DeleteRecords and retention on the leader hold on every replica.
    /// Segments not yet below the high watermark go at a later call (each fetch makes one) or retention pass.
    /// </summary>
    public void FollowLeaderLogStartOffset(long leaderLogStartOffset)
    {
        var now = NowMs;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            IncrementLogStartOffset(Math.Min(leaderLogStartOffset, _logEndOffset));
            if (_segments.Count < 2 || _segments.All[1].BaseOffset > _logStartOffset
                || DeleteOldSegments(IsBelowLogStart, "leader log start offset", now) == 0)
            {
                return;
            }
        }

        DeleteRetiredSegments(now);
    }

    /// <summary>Moves the log start offset up to <paramref name="offset"/> and persists it; caller holds the lock.</summary>
    private void IncrementLogStartOffset(long offset)
    {
        if (offset > _logStartOffset)
        {
            Volatile.Write(ref _logStartOffset, offset);
            WriteCheckpoint(LogFileNames.LogStartOffsetCheckpoint, offset);
        }
    }

    /// <summary>A segment whose every offset is below the log start offset (the next one starts at or before it).</summary>
    private bool IsBelowLogStart(LogSegment segment, LogSegment? next) => next is not null && next.BaseOffset <= _logStartOffset;

    /// <summary>
    /// Deletes the partition's files (topic deletion), nothing flushed. Like Kafka, the directory is first
    /// renamed to <c>...-delete</c>, so a crash half-way never leaves a partial log that would be reopened.
    /// </summary>
    public void Delete()
    {
        lock (_lock)
        {
            _closed = true;
        }

        WaitForRollFlush();
        _segments.CloseAll();
        try
        {
            var doomed = $"{Path.TrimEndingDirectorySeparator(Directory)}.{Guid.NewGuid():N}{DeleteDirectorySuffix}";
            _fs.RenameDirectory(Directory, doomed);
            _fs.DeleteDirectory(doomed);
        }
        catch (IOException e)
        {
            throw new StorageException($"Deleting {Directory} failed: {e.Message}", e);
        }
    }

    /// <summary>Deletes the files of removed segments once file.delete.delay.ms has passed.</summary>
    public void DeleteRetiredSegments(long nowMs) => _segments.DeleteRetired(nowMs);

    /// <summary>Takes segments matching <paramref name="predicate"/> off the start of the log. Caller holds the lock.</summary>
    private int DeleteOldSegments(Func<LogSegment, LogSegment?, bool> predicate, string reason, long nowMs)
    {
        var count = _segments.CountOldest(predicate, HighWatermark, _logEndOffset);
        if (count == 0)
        {
            return 0;
        }

        try
        {
            if (count == _segments.Count)
            {
                Roll(nowMs);
            }

            _segments.RemoveOldest(count, nowMs, _config.FileDeleteDelayMs);
            IncrementLogStartOffset(_segments.All[0].BaseOffset);
            _logger.DeletingSegments(count, Directory, reason, _logStartOffset);
        }
        catch (IOException e)
        {
            throw new StorageException($"Deleting segments of {Directory} failed: {e.Message}", e);
        }

        return count;
    }
}
