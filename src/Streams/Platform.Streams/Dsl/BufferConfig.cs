namespace Platform.Streams.Dsl;

/// <summary>What a suppression buffer does when it is full.</summary>
public enum BufferFullStrategy
{
    /// <summary>Emits the oldest records early (before their time) to make room.</summary>
    EmitEarly,

    /// <summary>Stops the application with an error rather than emit a non-final result.</summary>
    ShutDown,
}

/// <summary>
/// The bounds of a suppression buffer (Kafka Streams' <c>Suppressed.BufferConfig</c>): a record count and a byte
/// size (serialized keys and values), and what to do when exceeded.
/// </summary>
public sealed record BufferConfig
{
    private BufferConfig(long maxRecords, long maxBytes, BufferFullStrategy strategy)
    {
        MaxRecordsLimit = maxRecords;
        MaxBytesLimit = maxBytes;
        FullStrategy = strategy;
    }

    /// <summary>The most records buffered (<see cref="long.MaxValue"/>: no bound).</summary>
    public long MaxRecordsLimit { get; private init; }

    /// <summary>The most bytes buffered (<see cref="long.MaxValue"/>: no bound).</summary>
    public long MaxBytesLimit { get; private init; }

    /// <summary>What happens when a bound is exceeded.</summary>
    public BufferFullStrategy FullStrategy { get; private init; }

    /// <summary>No bounds; should memory still run out, the application stops rather than emit early (what final results need).</summary>
    public static BufferConfig Unbounded() => new(long.MaxValue, long.MaxValue, BufferFullStrategy.ShutDown);

    /// <summary>At most <paramref name="records"/> records; beyond that the oldest are emitted early.</summary>
    public static BufferConfig MaxRecords(long records) => Unbounded().WithMaxRecords(records).EmitEarlyWhenFull();

    /// <summary>At most <paramref name="bytes"/> bytes; beyond that the oldest are emitted early.</summary>
    public static BufferConfig MaxBytes(long bytes) => Unbounded().WithMaxBytes(bytes).EmitEarlyWhenFull();

    /// <summary>A copy bounded to <paramref name="records"/> records.</summary>
    public BufferConfig WithMaxRecords(long records)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(records);
        return this with { MaxRecordsLimit = records };
    }

    /// <summary>A copy bounded to <paramref name="bytes"/> bytes.</summary>
    public BufferConfig WithMaxBytes(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        return this with { MaxBytesLimit = bytes };
    }

    /// <summary>A copy without bounds.</summary>
    public BufferConfig WithNoBound() => this with { MaxRecordsLimit = long.MaxValue, MaxBytesLimit = long.MaxValue };

    /// <summary>A copy that emits the oldest records early when full.</summary>
    public BufferConfig EmitEarlyWhenFull() => this with { FullStrategy = BufferFullStrategy.EmitEarly };

    /// <summary>A copy that stops the application when full.</summary>
    public BufferConfig ShutDownWhenFull() => this with { FullStrategy = BufferFullStrategy.ShutDown };
}
