namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// State the two processors of one stream-stream join share within a task: the join's stream time (the
/// largest timestamp either side has seen, so one side's progress closes the other side's windows), the
/// smallest timestamp waiting in the outer-join store, and when the store may next be scanned.
/// </summary>
internal sealed class JoinTimeTracker
{
    /// <summary>The largest record timestamp seen by either side.</summary>
    public long StreamTime { get; private set; } = long.MinValue;

    /// <summary>The smallest timestamp that may still wait in the outer-join store (a lower bound).</summary>
    public long MinTime { get; set; } = long.MaxValue;

    /// <summary>Wall-clock time (ms) before which the outer-join store is not scanned again.</summary>
    public long NextTimeToEmit { get; set; }

    /// <summary>Moves stream time forward to <paramref name="timestamp"/> if it is later.</summary>
    public void Advance(long timestamp) => StreamTime = Math.Max(StreamTime, timestamp);
}
