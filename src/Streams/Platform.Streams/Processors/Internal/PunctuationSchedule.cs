namespace Platform.Streams.Processors.Internal;

/// <summary>One scheduled punctuator: when it fires next, how often, and for which node.</summary>
internal sealed class PunctuationSchedule(ProcessorNode node, long firstTime, long intervalMs, Action<long> punctuator) : ICancellable
{
    public ProcessorNode Node { get; } = node;

    public Action<long> Punctuator { get; } = punctuator;

    public long IntervalMs { get; } = intervalMs;

    /// <summary>The next time it fires.</summary>
    public long NextTime { get; private set; } = firstTime;

    public bool Cancelled { get; private set; }

    public void Cancel() => Cancelled = true;

    /// <summary>
    /// Moves to the next firing after <paramref name="now"/>: one interval on, or past <paramref name="now"/> when
    /// time jumped several intervals (missed punctuations are not caught up, as in Kafka).
    /// </summary>
    public void Advance(long now)
    {
        var next = NextTime + IntervalMs;
        if (now >= next)
        {
            next = NextTime + (((now - NextTime) / IntervalMs) + 1) * IntervalMs;
        }

        NextTime = next;
    }
}
