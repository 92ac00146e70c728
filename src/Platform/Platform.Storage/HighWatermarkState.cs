namespace Platform.Storage;

/// <summary>
/// The high watermark of one log: offsets below it are readable by consumers. It is the smaller of the log's
/// own (the log end with write.caching=true, the fsynced offset without) and the replication layer's (the
/// smallest log end of the ISR; unbounded while the log is not replicated); <paramref name="changed"/> is
/// called, outside any lock of the log, whenever it moves. It also keeps what a restarted replica starts
/// from: the data directory's <c>replication-offset-checkpoint</c>.
/// </summary>
internal sealed class HighWatermarkState(Action changed)
{
    private long _local;
    private long _replicated = long.MaxValue;
    private long _checkpointed = -1;
    private volatile bool _replicationStarted;

    public long Value => Math.Min(Volatile.Read(ref _local), Volatile.Read(ref _replicated));

    public long Replicated => Volatile.Read(ref _replicated);

    /// <summary>A loaded log: everything in it counts as its own (the replication layer caps it once it starts).</summary>
    public void Load(long logEndOffset) => Volatile.Write(ref _local, logEndOffset);

    /// <summary>The high watermark the <c>replication-offset-checkpoint</c> held for the log at start.</summary>
    public void Restore(long offset) => Volatile.Write(ref _checkpointed, offset);

    /// <summary>Sets the replication layer's high watermark (it may go back only when leadership changes hands).</summary>
    public void SetReplicated(long offset)
    {
        var before = Value;
        _replicationStarted = true;
        Volatile.Write(ref _replicated, offset);
        if (Value != before)
        {
            changed();
        }
    }

    /// <summary>Moves the log's own up to <paramref name="offset"/> (never past <paramref name="logEndOffset"/>, never back).</summary>
    public void Advance(long offset, long logEndOffset)
    {
        var target = Math.Min(offset, logEndOffset);
        var current = Volatile.Read(ref _local);
        while (current < target)
        {
            var seen = Interlocked.CompareExchange(ref _local, target, current);
            if (seen == current)
            {
                changed();
                return;
            }

            current = seen;
        }
    }

    /// <summary>The log was cut to end at <paramref name="logEndOffset"/> (emptied and restarted there if <paramref name="fully"/>).</summary>
    public void Truncated(long logEndOffset, bool fully)
        => Volatile.Write(ref _local, fully ? logEndOffset : Math.Min(Volatile.Read(ref _local), logEndOffset));

    /// <summary>
    /// Where a replication role starts: the replicated high watermark once replication set one (the log end
    /// while the log led alone); before, the checkpointed one, else the log start. Within [log start, log end].
    /// </summary>
    public long Starting(long logStartOffset, long logEndOffset)
    {
        var known = _replicationStarted ? Replicated : Volatile.Read(ref _checkpointed);
        return Math.Clamp(known, logStartOffset, Math.Max(logStartOffset, logEndOffset));
    }

    /// <summary>
    /// What the checkpoint keeps: the high watermark once replication started, the restored one until then (so
    /// a checkpoint written before the roles arrive does not raise it to the log end), null if never replicated.
    /// </summary>
    public long? ToCheckpoint(long logStartOffset, long logEndOffset)
        => _replicationStarted ? Value
            : Volatile.Read(ref _checkpointed) >= 0 ? Starting(logStartOffset, logEndOffset)
            : null;
}
