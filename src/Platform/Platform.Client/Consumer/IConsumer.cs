namespace Platform.Client;

/// <summary>
/// A consumer of manually assigned partitions (consumer groups come later), shaped like
/// confluent-kafka-dotnet's. A background pipeline prefetches from every leader; the consume
/// methods return buffered records. Use one consumer from one thread at a time; the async
/// methods may run on any thread but not concurrently.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IConsumer<TKey, TValue> : IDisposable, IAsyncDisposable
{
    /// <summary>The <c>client.id</c>.</summary>
    string Name { get; }

    /// <summary>The <c>group.id</c>, if configured (groups are not supported yet).</summary>
    string? MemberId { get; }

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
