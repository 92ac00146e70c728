namespace Platform.Storage;

/// <summary>
/// What of one log is on stable storage, and the fsyncs that move it: the durable offset (the <c>.log</c>
/// data below it is fsynced; group commit waits on it) and the recovery point (data, indexes and directory
/// fsynced below it; recovery rescans only from there), with the records appended since the last flush
/// (flush.messages) and its time (flush.ms). One sync at a time, under <see cref="SyncLock"/>, which a
/// truncation holds too. A failed fsync throws its <see cref="IOException"/>; the log then takes itself offline.
/// </summary>
internal sealed class LogFlusher(SegmentList segments, Func<bool> isClosed, TimeProvider time)
{
    private long _recoveryPoint;
    private long _durableOffset;
    private long _checkpointedRecoveryPoint = -1;
    private long _unflushedMessages;
    private long _lastFlushMs = time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Held by each sync, and by a truncation (which moves both offsets back).</summary>
    public Lock SyncLock { get; } = new();

    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    public long DurableOffset => Volatile.Read(ref _durableOffset);

    /// <summary>Records appended since the last flush.</summary>
    public long UnflushedMessages => Interlocked.Read(ref _unflushedMessages);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>True if flush.ms has passed since the last flush.</summary>
    public bool FlushDue(LogConfig config) => NowMs - Volatile.Read(ref _lastFlushMs) >= config.FlushMs;

    /// <summary>A loaded log: unrecovered, it ends at its recovery point (a recovered one is flushed whole right after).</summary>
    public void Load(long recoveryPoint)
    {
        _recoveryPoint = recoveryPoint;
        _durableOffset = recoveryPoint;
    }

    public void Appended(int records) => Interlocked.Add(ref _unflushedMessages, records);

    /// <summary>
    /// fsyncs the segments (log and indexes) holding offsets in [recovery point, <paramref name="offset"/>) and
    /// the directory, and moves the recovery point (and durable offset) there; false if it already was. A
    /// segment that retention deleted during the flush is skipped (its records are gone), but only that one:
    /// every other segment of the range is still flushed before the recovery point moves over it.
    /// Caller holds <see cref="SyncLock"/>.
    /// </summary>
    public bool FlushUpTo(long offset)
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
        if (offset > DurableOffset)
        {
            Volatile.Write(ref _durableOffset, offset);
        }

        return true;
    }

    /// <summary>
    /// fsyncs the <c>.log</c> files holding offsets in [durable offset, <paramref name="target"/>) and the
    /// directory, and moves the durable offset there; false if it already was. Only the data: recovery rescans
    /// from the recovery point and rebuilds the indexes there, so they can wait for the next flush.
    /// Caller holds <see cref="SyncLock"/>.
    /// </summary>
    public bool SyncData(long target)
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
        return true;
    }

    /// <summary>The log was cut to end at <paramref name="logEndOffset"/> (emptied and restarted there if <paramref name="fully"/>). Caller holds <see cref="SyncLock"/>.</summary>
    public void Truncated(long logEndOffset, bool fully)
    {
        Volatile.Write(ref _recoveryPoint, fully ? logEndOffset : Math.Min(_recoveryPoint, logEndOffset));
        Volatile.Write(ref _durableOffset, fully ? logEndOffset : Math.Min(_durableOffset, logEndOffset));
    }

    /// <summary>The recovery point if it moved since the last call (the checkpoint is due), else null.</summary>
    public long? RecoveryPointToCheckpoint()
    {
        var point = RecoveryPoint;
        return point != Interlocked.Exchange(ref _checkpointedRecoveryPoint, point) ? point : null;
    }

    private void FlushUnlessDeleted(LogSegment segment, Action flush)
    {
        try
        {
            flush();
        }
        catch (ObjectDisposedException) when (!isClosed() && !segments.Contains(segment))
        {
            // Deleted by retention while syncing: nothing left to make durable in this one.
        }
    }
}
