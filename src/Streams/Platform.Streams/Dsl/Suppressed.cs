namespace Platform.Streams.Dsl;

/// <summary>
/// How <see cref="IKTable{TKey,TValue}.Suppress"/> holds back a table's updates (Kafka Streams' <c>Suppressed</c>):
/// until the window closes (one final result per window), or until a time limit per key (rate limiting).
/// </summary>
public sealed record Suppressed
{
    private Suppressed(bool finalResults, long timeLimitMs, BufferConfig buffer)
    {
        FinalResultsOnly = finalResults;
        TimeLimitMs = timeLimitMs;
        Buffer = buffer;
    }

    /// <summary>Whether only the final result of each window is emitted, once stream time passes the window's end + grace.</summary>
    public bool FinalResultsOnly { get; }

    /// <summary>For time limits: how long (in stream time) after a key's first buffered update its latest one is emitted.</summary>
    public long TimeLimitMs { get; }

    /// <summary>The buffer's bounds.</summary>
    public BufferConfig Buffer { get; }

    /// <summary>The operator's name (its buffer store is <c>&lt;name&gt;-store</c>); null: generated.</summary>
    public string? Name { get; private init; }

    /// <summary>
    /// Emits one final result per window of a windowed aggregation's table, when stream time passes the window's end
    /// plus its grace period. The buffer must shut down when full (<see cref="BufferConfig.Unbounded"/> or
    /// <see cref="BufferConfig.ShutDownWhenFull"/>): emitting early would emit a result that is not final.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="bufferConfig"/> emits early when full.</exception>
    public static Suppressed UntilWindowCloses(BufferConfig bufferConfig)
    {
        ArgumentNullException.ThrowIfNull(bufferConfig);
        return bufferConfig.FullStrategy == BufferFullStrategy.ShutDown
            ? new Suppressed(true, 0, bufferConfig)
            : throw new ArgumentException("UntilWindowCloses needs a buffer that shuts down when full (BufferConfig.Unbounded() or ShutDownWhenFull()): emitting early would not be a final result.", nameof(bufferConfig));
    }

    /// <summary>Emits a key's latest update once <paramref name="timeToWaitForMoreEvents"/> of stream time has passed since its first buffered one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeToWaitForMoreEvents"/> is negative or not a whole number of ms.</exception>
    public static Suppressed UntilTimeLimit(TimeSpan timeToWaitForMoreEvents, BufferConfig bufferConfig)
    {
        ArgumentNullException.ThrowIfNull(bufferConfig);
        return new Suppressed(false, WindowDurations.ToMs(timeToWaitForMoreEvents, nameof(timeToWaitForMoreEvents)), bufferConfig);
    }

    /// <summary>A copy naming the operator <paramref name="name"/>.</summary>
    public Suppressed WithName(string name) => this with { Name = Named.Validate(name) };
}
