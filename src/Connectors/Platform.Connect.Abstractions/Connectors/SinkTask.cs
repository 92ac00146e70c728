namespace Platform.Connect.Connectors;

/// <summary>
/// Writes consumed records somewhere. The runtime calls <see cref="PutAsync"/> with each batch, and before
/// committing consumer offsets asks <see cref="PreCommitAsync"/> which offsets are safe. A sink that stores
/// offsets with its data (exactly-once) seeks to them in <see cref="OpenAsync"/> through
/// <see cref="ISinkTaskContext.Offset"/> and returns them from <see cref="PreCommitAsync"/>.
/// </summary>
public abstract class SinkTask : ConnectTask
{
    /// <summary>The runtime's services; set before <see cref="ConnectTask.StartAsync"/>.</summary>
    public ISinkTaskContext Context { get; private set; } = null!;

    /// <summary>Called by the runtime before start.</summary>
    public void Initialize(ISinkTaskContext context) => Context = context;

    /// <summary>Partitions were assigned to this task (after a rebalance); read stored offsets here.</summary>
    public virtual Task OpenAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Partitions were taken away: flush what belongs to them.</summary>
    public virtual Task CloseAsync(IReadOnlyCollection<TopicPartitionRef> partitions, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Writes a batch (possibly empty). Throw <see cref="RetriableException"/> to have the same batch delivered
    /// again after a backoff; anything else fails the task.
    /// </summary>
    public abstract Task PutAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the task reads the JSON converter's documents itself (<see cref="Data.IJsonObjectSource"/>), field by field
    /// into its own buffers. Then the converter keeps each object's document and decodes it only if someone reads the
    /// map; without transformations it leaves the document to be checked as <see cref="Prepare"/> reads it (else the
    /// runtime checks it after). The documents are the runtime's buffer of the consumed batch, not copies: a task that
    /// says true reads its records only until their put returns (a map not decoded by then throws when read later).
    /// By default false: the converter decodes each document once, checking it as it goes, and the task gets plain maps.
    /// </summary>
    public virtual bool ReadsJsonDocuments => false;

    /// <summary>
    /// Whether the task is done with a batch's records when their put returns: it keeps no reference to them, their keys,
    /// values or headers after it (nor reads them again in a later call). Then the runtime may make those record objects (and
    /// the JSON converter's maps of their documents) the records of a later batch instead of allocating new ones, which
    /// spares a sink that writes every record the allocation and garbage collection of several objects per record. Only
    /// records the runtime made itself are reused (not those transformations return). Asked once, after start. By default false.
    /// </summary>
    public virtual bool RecordsMayBeReused => false;

    /// <summary>
    /// Work on a batch that may be done before its put: called with each batch before <see cref="PutAsync"/> is
    /// given the same list, off the task's thread while the previous batch's put may still run (so a sink's CPU work,
    /// such as mapping records onto rows, overlaps its writes). It must not write anything nor change state that a put
    /// reads; if the batch changes before its put (partitions revoked) the put gets another list. A batch may also be
    /// put without having been prepared (a retry, the first batch): <see cref="PutAsync"/> then does the work itself.
    /// With <see cref="ReadsJsonDocuments"/>, a JSON document may not be checked yet here (<see cref="Data.IJsonObjectSource.IsChecked"/>): a bad one may
    /// throw while read, and its record is then taken out of the batch before the put. By default nothing.
    /// </summary>
    public virtual void Prepare(IReadOnlyList<SinkRecord> records)
    {
    }

    /// <summary>
    /// The offsets (next offset to read, per partition) safe to commit, given the offsets of everything passed
    /// to <see cref="PutAsync"/>. By default flushes and returns <paramref name="currentOffsets"/>.
    /// </summary>
    public virtual async Task<IReadOnlyDictionary<TopicPartitionRef, long>> PreCommitAsync(
        IReadOnlyDictionary<TopicPartitionRef, long> currentOffsets, CancellationToken cancellationToken = default)
    {
        await FlushAsync(currentOffsets, cancellationToken).ConfigureAwait(false);
        return currentOffsets;
    }

    /// <summary>Makes everything put so far durable.</summary>
    public virtual Task FlushAsync(IReadOnlyDictionary<TopicPartitionRef, long> currentOffsets, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>A topic partition, without depending on a Kafka client.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
public readonly record struct TopicPartitionRef(string Topic, int Partition)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Topic}-{Partition}";
}

/// <summary>The runtime's services for a sink task.</summary>
public interface ISinkTaskContext
{
    /// <summary>The task's configuration.</summary>
    IReadOnlyDictionary<string, string> Config { get; }

    /// <summary>The partitions currently assigned.</summary>
    IReadOnlyCollection<TopicPartitionRef> Assignment { get; }

    /// <summary>Resets consumption of <paramref name="partition"/> to <paramref name="offset"/> (the next offset to read).</summary>
    void Offset(TopicPartitionRef partition, long offset);

    /// <summary>Delays the redelivery after a retriable failure.</summary>
    void Timeout(TimeSpan backoff);

    /// <summary>Stops fetching from these partitions.</summary>
    void Pause(IEnumerable<TopicPartitionRef> partitions);

    /// <summary>Resumes fetching.</summary>
    void Resume(IEnumerable<TopicPartitionRef> partitions);

    /// <summary>Asks for an offset commit soon.</summary>
    void RequestCommit();

    /// <summary>Reports a record that could not be written: to the dead-letter topic under <c>errors.tolerance=all</c>, else the task fails.</summary>
    Task ReportErrantRecordAsync(SinkRecord record, Exception error, CancellationToken cancellationToken = default);
}
