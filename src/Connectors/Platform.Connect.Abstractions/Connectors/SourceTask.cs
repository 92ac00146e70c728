namespace Platform.Connect.Connectors;

/// <summary>
/// Reads records from a source. The runtime calls <see cref="PollAsync"/> in a loop, converts, transforms and
/// produces what it returns, then records each record's source offset once the broker acknowledged it
/// (at-least-once) or commits records and offsets in one transaction (exactly-once).
/// </summary>
public abstract class SourceTask : ConnectTask
{
    /// <summary>The runtime's services; set before <see cref="ConnectTask.StartAsync"/>.</summary>
    public ISourceTaskContext Context { get; private set; } = null!;

    /// <summary>Called by the runtime before start.</summary>
    public void Initialize(ISourceTaskContext context) => Context = context;

    /// <summary>
    /// The next records, or an empty list when there are none yet. Block (asynchronously) for a while rather than
    /// spinning; honour <paramref name="cancellationToken"/>. Throw <see cref="RetriableException"/> for a
    /// passing outage (the runtime retries with backoff) and anything else to fail the task.
    /// </summary>
    public abstract Task<IReadOnlyList<SourceRecord>> PollAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called once per record after the broker acknowledged it (<paramref name="metadata"/> has its coordinates),
    /// or with null metadata when the record was dropped by a transformation or tolerated as an error.
    /// </summary>
    public virtual Task CommitRecordAsync(SourceRecord record, RecordMetadata? metadata, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Called after the runtime committed the offsets of records polled so far.</summary>
    public virtual Task CommitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>Where a produced record landed.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset.</param>
/// <param name="Timestamp">The record's timestamp.</param>
public sealed record RecordMetadata(string Topic, int Partition, long Offset, DateTimeOffset Timestamp);

/// <summary>The runtime's services for a source task.</summary>
public interface ISourceTaskContext
{
    /// <summary>The task's configuration.</summary>
    IReadOnlyDictionary<string, string> Config { get; }

    /// <summary>Reads the offsets committed for source partitions, to resume.</summary>
    IOffsetStorageReader OffsetStorageReader { get; }

    /// <summary>Reports a record that could not be handled: to the dead-letter topic under <c>errors.tolerance=all</c>, else the task fails.</summary>
    Task ReportErrantRecordAsync(SourceRecord record, Exception error, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the next poll of a polling connector: the next fire time of <paramref name="cronExpression"/>
    /// (Quartz syntax, in UTC) when given, else <paramref name="interval"/> after the previous call returned.
    /// </summary>
    /// <exception cref="Config.ConfigException">The cron expression is invalid.</exception>
    Task WaitForNextPollAsync(string? cronExpression, TimeSpan interval, CancellationToken cancellationToken);
}

/// <summary>Reads source offsets the runtime stored.</summary>
public interface IOffsetStorageReader
{
    /// <summary>The last committed offset of <paramref name="partition"/>, or null.</summary>
    IReadOnlyDictionary<string, object?>? Offset(IReadOnlyDictionary<string, object?> partition);
}
