namespace Platform.Client;

/// <summary>
/// A consumer, shaped like confluent-kafka-dotnet's: of manually assigned partitions, or as a
/// member of a consumer group (<see cref="Subscribe(IEnumerable{string})"/>). A background pipeline prefetches from every leader; the consume
/// methods return buffered records. Use one consumer from one thread at a time; the async
/// methods may run on any thread but not concurrently.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IConsumer<TKey, TValue> : IDisposable, IAsyncDisposable
{
    /// <summary>The <c>client.id</c>.</summary>
    string Name { get; }

    /// <summary>The member id the group coordinator gave this consumer; null before it is in a group.</summary>
    string? MemberId { get; }

    /// <summary>
    /// The group membership (group id, member id, generation, group instance id) to pass to
    /// <see cref="IProducer{TKey,TValue}.SendOffsetsToTransaction(IEnumerable{TopicPartitionOffset}, IConsumerGroupMetadata, TimeSpan)"/>;
    /// null without a <c>group.id</c>. Read it after the consume call, as it changes with each rebalance.
    /// </summary>
    IConsumerGroupMetadata? ConsumerGroupMetadata { get; }

    /// <summary>The subscribed topics (for a pattern, the matching topics found so far).</summary>
    List<string> Subscription { get; }

    /// <summary>Subscribes to one topic (a name starting with <c>^</c> is a regular expression); see <see cref="Subscribe(IEnumerable{string})"/>.</summary>
    void Subscribe(string topic);

    /// <summary>
    /// Subscribes to topics as a member of the <c>group.id</c> group: the group assigns partitions,
    /// on the next consume call. A consumer either subscribes or assigns partitions itself, not both.
    /// </summary>
    /// <exception cref="InvalidOperationException">No <c>group.id</c>, or partitions are assigned manually.</exception>
    void Subscribe(IEnumerable<string> topics);

    /// <summary>Subscribes to every topic matching <paramref name="pattern"/>; topics created later are picked up on metadata refresh (<c>metadata.max.age.ms</c>).</summary>
    /// <exception cref="InvalidOperationException">No <c>group.id</c>, or partitions are assigned manually.</exception>
    void Subscribe(System.Text.RegularExpressions.Regex pattern);

    /// <summary>Drops the subscription: the revoked handler runs (auto commit first) and the consumer leaves the group.</summary>
    void Unsubscribe();

    /// <summary>Adds partitions to a manual assignment, keeping the others' positions.</summary>
    /// <exception cref="InvalidOperationException">The consumer is subscribed.</exception>
    void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions);

    /// <summary>Removes partitions from a manual assignment.</summary>
    /// <exception cref="InvalidOperationException">The consumer is subscribed.</exception>
    void IncrementalUnassign(IEnumerable<TopicPartition> partitions);

    /// <summary>Commits the positions of all assigned partitions (the offsets after the records consumed) and returns them.</summary>
    /// <exception cref="TopicPartitionOffsetException">A partition was not committed (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, UNKNOWN_TOPIC_OR_PARTITION, ...).</exception>
    /// <exception cref="KafkaException">No <c>group.id</c> (INVALID_GROUP_ID), or the coordinator could not be reached.</exception>
    List<TopicPartitionOffset> Commit();

    /// <summary>Commits the given offsets (each the offset of the next record to read).</summary>
    /// <exception cref="TopicPartitionOffsetException">A partition was not committed.</exception>
    void Commit(IEnumerable<TopicPartitionOffset> offsets);

    /// <summary>Commits the offset after <paramref name="result"/>.</summary>
    /// <exception cref="TopicPartitionOffsetException">The partition was not committed.</exception>
    void Commit(ConsumeResult<TKey, TValue> result);

    /// <summary>Asynchronous <see cref="Commit()"/>.</summary>
    Task<List<TopicPartitionOffset>> CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Asynchronous <see cref="Commit(IEnumerable{TopicPartitionOffset})"/>.</summary>
    Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default);

    /// <summary>The group's committed offsets of the assigned partitions (<see cref="Offset.Unset"/> where none).</summary>
    List<TopicPartitionOffset> Committed(TimeSpan timeout);

    /// <summary>The group's committed offsets of <paramref name="partitions"/> (<see cref="Offset.Unset"/> where none).</summary>
    List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout);

    /// <summary>Asynchronous <see cref="Committed(IEnumerable{TopicPartition}, TimeSpan)"/>.</summary>
    Task<List<TopicPartitionOffset>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many records the partition has beyond the position, from the last fetch: the high watermark (under
    /// read_committed the last stable offset) minus the position; null when unknown (no fetch answered yet).
    /// </summary>
    long? CurrentLag(TopicPartition partition);

    /// <summary>The assigned partitions.</summary>
    List<TopicPartition> Assignment { get; }

    /// <summary>Assigns one partition, starting per <c>auto.offset.reset</c>.</summary>
    void Assign(TopicPartition partition);

    /// <summary>Assigns one partition, starting at an offset or <see cref="Offset.Beginning"/> / <see cref="Offset.End"/>.</summary>
    void Assign(TopicPartitionOffset partition);

    /// <summary>Replaces the assignment; each partition starts per <c>auto.offset.reset</c>.</summary>
    void Assign(IEnumerable<TopicPartition> partitions);

    /// <summary>Replaces the assignment with partitions and where each starts (<see cref="Offset.Unset"/>: per <c>auto.offset.reset</c>).</summary>
    void Assign(IEnumerable<TopicPartitionOffset> partitions);

    /// <summary>Drops the assignment and everything prefetched.</summary>
    void Unassign();

    /// <summary>
    /// The next record, waiting until one arrives or <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="ConsumeException">A deserializer threw, or a partition failed (the record's or partition's coordinates are attached).</exception>
    /// <exception cref="KafkaException">A partition failed: it does not exist, its offset is out of range with <c>auto.offset.reset=none</c>, corrupt data.</exception>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    ConsumeResult<TKey, TValue> Consume(CancellationToken cancellationToken = default);

    /// <summary>The next record, or null when none arrives within <paramref name="timeout"/>.</summary>
    /// <exception cref="ConsumeException">As <see cref="Consume(CancellationToken)"/>.</exception>
    ConsumeResult<TKey, TValue>? Consume(TimeSpan timeout);

    /// <summary>The next record, awaiting it without blocking a thread.</summary>
    /// <exception cref="ConsumeException">As <see cref="Consume(CancellationToken)"/>.</exception>
    ValueTask<ConsumeResult<TKey, TValue>> ConsumeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <c>max.poll.records</c> (or <paramref name="maxRecords"/>) records already buffered,
    /// waiting up to <paramref name="timeout"/> for the first; empty when none arrived.
    /// </summary>
    IReadOnlyList<ConsumeResult<TKey, TValue>> ConsumeBatch(TimeSpan timeout, int? maxRecords = null);

    /// <summary>
    /// The records as an endless asynchronous stream, until <paramref name="cancellationToken"/> fires
    /// (the enumeration then ends without an exception). Errors end it with the exception.
    /// </summary>
    IAsyncEnumerable<ConsumeResult<TKey, TValue>> ConsumeAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The fast path: hands up to <c>max.poll.records</c> records to <paramref name="handler"/>
    /// without deserializing or allocating, waiting up to <paramref name="timeout"/> for the first.
    /// Interceptors are not called. Returns how many records were handled.
    /// </summary>
    int ConsumeRaw(RawRecordHandler handler, TimeSpan timeout);

    /// <summary>Moves the position of an assigned partition; the next record returned is at that offset.</summary>
    void Seek(TopicPartitionOffset offset);

    /// <summary>Moves the positions to the beginning of the partitions (looked up on the next consume).</summary>
    void SeekToBeginning(IEnumerable<TopicPartition> partitions);

    /// <summary>Moves the positions to the end of the partitions (looked up on the next consume).</summary>
    void SeekToEnd(IEnumerable<TopicPartition> partitions);

    /// <summary>The offset of the next record to be returned, or <see cref="Offset.Unset"/> while a reset is pending.</summary>
    Offset Position(TopicPartition partition);

    /// <summary>Stops returning and fetching records of the partitions, keeping their positions.</summary>
    void Pause(IEnumerable<TopicPartition> partitions);

    /// <summary>Resumes paused partitions.</summary>
    void Resume(IEnumerable<TopicPartition> partitions);

    /// <summary>The paused partitions.</summary>
    List<TopicPartition> Paused { get; }

    /// <summary>The watermarks last seen in a fetch answer, without asking the broker (<see cref="Offset.Unset"/> when unknown).</summary>
    WatermarkOffsets GetWatermarkOffsets(TopicPartition partition);

    /// <summary>Asks the partition's leader for its log start offset and high watermark.</summary>
    /// <exception cref="KafkaException">No answer within <paramref name="timeout"/>, or the broker reported an error.</exception>
    WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout);

    /// <summary>Asks the partition's leader for its log start offset and high watermark.</summary>
    Task<WatermarkOffsets> QueryWatermarkOffsetsAsync(TopicPartition partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// For each partition, the earliest offset whose timestamp is at or after the given time
    /// (<see cref="Offset.End"/> when there is none), to replay from a point in time with <see cref="Seek"/>.
    /// </summary>
    /// <exception cref="KafkaException">No answer within <paramref name="timeout"/>, or a partition failed.</exception>
    List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout);

    /// <summary>Asynchronous <see cref="OffsetsForTimes"/>.</summary>
    Task<List<TopicPartitionOffset>> OffsetsForTimesAsync(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, CancellationToken cancellationToken = default);

    /// <summary>Stops fetching and releases buffers and connections; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    void Close();
}
