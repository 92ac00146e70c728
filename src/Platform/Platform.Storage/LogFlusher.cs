using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// What of one log is on stable storage, and the fsyncs that move it: the durable offset (the <c>.log</c>
/// data below it is fsynced; group commit waits on it, and with write.caching=false the high watermark
/// follows it) and the recovery point (data, indexes and directory fsynced below it; recovery rescans only
/// from there, and its checkpoint records it), with the records appended since the last flush
/// (flush.messages) and its time (flush.ms). One sync at a time, under <see cref="SyncLock"/>, which a
/// truncation holds too. A failed fsync takes the log offline (<see cref="LogStatus"/>): after it, a later
/// fsync that succeeds proves nothing, so the offsets never move past the failed range.
/// </summary>
internal sealed class LogFlusher(SegmentList segments, LogOffsets offsets, HighWatermarkState highWatermark, LogStatus status, LogCheckpoints checkpoints, string directory, ILogger logger, TimeProvider time)
{
    private long _recoveryPoint;
    private long _durableOffset;
    private long _checkpointedRecoveryPoint = -1;
    private long _unflushedMessages;
    private long _lastFlushMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private Task _rollFlush = Task.CompletedTask;

    /// <summary>Held by each sync, and by a truncation (which moves both offsets back).</summary>
    public Lock SyncLock { get; } = new();

    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    public long DurableOffset => Volatile.Read(ref _durableOffset);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A loaded log: unrecovered, it ends at its recovery point (a recovered one is flushed whole right after).</summary>
    /// <summary>
    /// The loaded log's recovery point, and what its checkpoint file holds: the checkpoint is written again only when
    /// they differ (a new partition's empty log, or a log reopened as it was closed, writes none: two syncs each).
    /// </summary>
    public void Load(long recoveryPoint, long checkpointed)
    {
        _recoveryPoint = recoveryPoint;
        _durableOffset = recoveryPoint;
        _checkpointedRecoveryPoint = checkpointed;
    }

    /// <summary>Counts records appended (caller holds the log's lock, so the count never runs ahead of the log end).</summary>
    public void Appended(int records) => Interlocked.Add(ref _unflushedMessages, records);

    /// <summary>Flushes when flush.messages records are unflushed or flush.ms has passed since the last flush (after appends, and periodically).</summary>
    public void FlushIfDue(LogConfig config)
    {
        var unflushed = Interlocked.Read(ref _unflushedMessages);
        if (!status.IsOffline && unflushed > 0 && (unflushed >= config.FlushMessages || FlushDue(config)))
        {
            Flush(offsets.End);
        }
    }

    /// <summary>
    /// fsyncs the segments (log and indexes) holding offsets in [recovery point, <paramref name="offset"/>) and
    /// the directory, and moves the recovery point (and durable offset, and the high watermark with it) there.
    /// A segment that retention deleted during the flush is skipped (its records are gone), but only that one:
    /// every other segment of the range is still flushed before the recovery point moves over it.
    /// </summary>
    public void Flush(long offset) => Sync(offset, full: true);

    /// <summary>
    /// fsyncs the <c>.log</c> files holding offsets in [durable offset, <paramref name="target"/>) and the
    /// directory, and moves the durable offset (and the high watermark with it) there. Only the data:
    /// recovery rescans from the recovery point and rebuilds the indexes there, so they can wait for the
    /// next flush. A caller that finds its range synced by another returns at once.
    /// </summary>
    public void SyncData(long target) => Sync(target, full: false);

    /// <summary>
    /// After a roll: flushes the rolled segments up to <paramref name="offset"/> in the background (Kafka's
    /// flush on roll), then runs <paramref name="flushed"/>; each waits for the previous one.
    /// </summary>
    public void FlushAfterRoll(long offset, Action flushed)
    {
        var prior = _rollFlush;
        _rollFlush = Task.Run(async () =>
        {
            await prior.ConfigureAwait(false);
            try
            {
                Flush(offset);
                flushed();
            }
            catch (StorageException)
            {
                // Logged by Flush; the recovery point simply stays behind, and the older snapshot serves.
            }
        });
    }

    /// <summary>Waits for the background flushes of earlier rolls.</summary>
    public void WaitForRollFlush()
    {
        try
        {
            _rollFlush.Wait();
        }
        catch (AggregateException)
        {
            // Already logged; a clean close flushes again.
        }
    }

    /// <summary>Writes the recovery point checkpoint if it moved since the last write (not while offline: the next start recovers from the last one written).</summary>
    public void CheckpointRecoveryPoint()
    {
        if (status.IsOffline)
        {
            return;
        }

        var point = RecoveryPoint;
        if (point != Interlocked.Exchange(ref _checkpointedRecoveryPoint, point))
        {
            checkpoints.Write(LogFileNames.RecoveryPointCheckpoint, point);
        }
    }

    /// <summary>The log was cut to end at <paramref name="logEndOffset"/> (emptied and restarted there if <paramref name="fully"/>). Caller holds <see cref="SyncLock"/>.</summary>
    public void Truncated(long logEndOffset, bool fully)
    {
        Volatile.Write(ref _recoveryPoint, fully ? logEndOffset : Math.Min(_recoveryPoint, logEndOffset));
        Volatile.Write(ref _durableOffset, fully ? logEndOffset : Math.Min(_durableOffset, logEndOffset));
    }

    /// <summary>One sync at a time; an I/O error takes the log offline (a failed full flush is logged as such too).</summary>
    private void Sync(long offset, bool full)
    {
        lock (SyncLock)
        {
            status.ThrowIfOffline();
            try
            {
                if (!(full ? FlushSegments(offset) : SyncLogFiles(offset)))
                {
                    return;
                }
            }
            catch (IOException e)
            {
                if (full)
                {
                    logger.FlushFailed(directory, e);
                }

                throw status.GoOffline("fsync", e);
            }
        }

        highWatermark.Advance(offset, offsets.End);
    }

    private bool FlushDue(LogConfig config) => NowMs - Volatile.Read(ref _lastFlushMs) >= config.FlushMs;

    private bool FlushSegments(long offset)
    {
        var from = RecoveryPoint;
        if (offset <= from)
        {
            return false;
        }

        var unflushed = Interlocked.Exchange(ref _unflushedMessages, 0);
        try
        {
            var all = segments.All;
            foreach (var segment in all)
            {
                if (segment.BaseOffset < offset && (segment == all[^1] || segment.NextOffset > from))
                {
                    FlushUnlessDeleted(segment, segment.Flush);
                }
            }

            segments.SyncDirectoryIfChanged();
        }
        catch (IOException)
        {
            Interlocked.Add(ref _unflushedMessages, unflushed);
            throw;
        }

        Volatile.Write(ref _lastFlushMs, NowMs);
        Volatile.Write(ref _recoveryPoint, offset);
        var durable = DurableOffset;
        if (offset > durable)
        {
            Volatile.Write(ref _durableOffset, offset);
            Synced(offset - durable);
        }

        return true;
    }

    private bool SyncLogFiles(long target)
    {
        var from = DurableOffset;
        if (target <= from)
        {
            return false;
        }

        var all = segments.All;
        for (var i = 0; i < all.Length; i++)
        {
            var end = i + 1 < all.Length ? all[i + 1].BaseOffset : long.MaxValue;
            if (end > from && all[i].BaseOffset < target)
            {
                FlushUnlessDeleted(all[i], all[i].File.Flush);
            }
        }

        segments.SyncDirectoryIfChanged();
        Volatile.Write(ref _durableOffset, target);
        Synced(target - from);
        return true;
    }

    private static void Synced(long offsets)
    {
        StorageMetrics.Syncs.Add(1);
        StorageMetrics.SyncedOffsets.Add(offsets);
    }

    private void FlushUnlessDeleted(LogSegment segment, Action flush)
    {
        try
        {
            flush();
        }
        catch (ObjectDisposedException) when (!status.IsClosed && !segments.Contains(segment))
        {
            // Deleted by retention while syncing: nothing left to make durable in this one.
        }
    }
}
