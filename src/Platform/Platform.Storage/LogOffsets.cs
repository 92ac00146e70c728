namespace Platform.Storage;

/// <summary>
/// Where one log starts and ends. The end is the offset the next record gets: published after an append is
/// written and applied, so a reader that reads it first sees only whole appends. The start is the first
/// readable offset: moved up by retention, DeleteRecords and a follower's leader, and persisted in the
/// <c>log-start-offset-checkpoint</c> each time. Changed under the log's lock; read without it.
/// </summary>
internal sealed class LogOffsets(LogCheckpoints checkpoints)
{
    private long _start;
    private long _end;

    public long Start => Volatile.Read(ref _start);

    public long End => Volatile.Read(ref _end);

    /// <summary>A loaded log's offsets (the start from its checkpoint, clamped into the log).</summary>
    public void Load(long start, long end)
    {
        _start = start;
        _end = end;
    }

    /// <summary>An append (or truncation) moved the log end.</summary>
    public void SetEnd(long end) => Volatile.Write(ref _end, end);

    /// <summary>Moves the start up to <paramref name="offset"/> and persists it; no change if it is not higher.</summary>
    public void AdvanceStart(long offset)
    {
        if (offset > Start)
        {
            Volatile.Write(ref _start, offset);
            CheckpointStart();
        }
    }

    /// <summary>The log was emptied and starts again at <paramref name="offset"/>: persisted, even if lower.</summary>
    public void ResetStart(long offset)
    {
        Volatile.Write(ref _start, offset);
        CheckpointStart();
    }

    /// <summary>Writes the <c>log-start-offset-checkpoint</c> (at a clean close, and whenever the start moves).</summary>
    public void CheckpointStart() => checkpoints.Write(LogFileNames.LogStartOffsetCheckpoint, Start);
}
