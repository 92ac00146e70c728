namespace Platform.Client;

/// <summary>
/// A Kafka producer: thread-safe, one per application is usually enough. Records are serialized and
/// partitioned on the calling thread, batched per partition and sent by one background sender.
/// </summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public interface IProducer<TKey, TValue> : IDisposable, IAsyncDisposable
{
    /// <summary>The producer's name (<c>client.id</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Sends a record to a partition chosen by the partitioner and completes when it is acknowledged
    /// (for <c>acks=0</c>: when it was written to the socket, offset -1). When <c>buffer.memory</c> is
    /// full the record waits in line for space without holding the calling thread (unlike
    /// <see cref="Produce(string, Message{TKey,TValue}, Action{DeliveryReport{TKey,TValue}}?)"/>, which
    /// blocks). Calls for one topic append their records in call order, also when some of them wait
    /// for metadata, an asynchronous serializer or buffer space.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The record; not copied after serialization, so it may be reused once this returns.</param>
    /// <param name="cancellationToken">Stops waiting (for metadata, buffer space or the acknowledgement); the record may still be delivered.</param>
    /// <exception cref="ProduceException{TKey,TValue}">Serialization failed, the record is too large, or delivery failed (the error says why).</exception>
    /// <exception cref="KafkaException">Metadata or buffer space did not come within <c>max.block.ms</c>.</exception>
    Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default);

    /// <summary>Sends a record to a given partition; see <see cref="ProduceAsync(string, Message{TKey,TValue}, CancellationToken)"/>.</summary>
    Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a record without waiting. <paramref name="deliveryHandler"/> runs on the producer's
    /// sender thread with the outcome (keep it short); null means fire-and-forget, failures then go
    /// to the error handler. Blocks only for metadata or buffer space, up to <c>max.block.ms</c>.
    /// </summary>
    /// <exception cref="ProduceException{TKey,TValue}">Serialization failed or the record is too large.</exception>
    /// <exception cref="KafkaException">Metadata or buffer space did not come within <c>max.block.ms</c>.</exception>
    void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null);

    /// <summary>Sends a record to a given partition without waiting; see <see cref="Produce(string, Message{TKey,TValue}, Action{DeliveryReport{TKey,TValue}}?)"/>.</summary>
    void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null);

    /// <summary>
    /// Sends a record without waiting, to <paramref name="partition"/> or, when it is negative, to the partition the
    /// partitioner chooses; <paramref name="deliveryHandler"/> gets the outcome without a
    /// <see cref="DeliveryReport{TKey,TValue}"/> allocated per record.
    /// </summary>
    /// <exception cref="ProduceException{TKey,TValue}">Serialization failed or the record is too large.</exception>
    /// <exception cref="KafkaException">Metadata or buffer space did not come within <c>max.block.ms</c>.</exception>
    void Produce(string topic, int partition, Message<TKey, TValue> message, IDeliveryHandler<TKey, TValue> deliveryHandler);

    /// <summary>
    /// Sends the records waiting now without waiting for <c>linger.ms</c>, and returns at once (the first half of
    /// a flush): for a caller that needs them acknowledged soon but goes on producing meanwhile. This covers records
    /// produced before the call that are still waiting to be appended (for the topic's metadata, an async serializer
    /// or buffer memory): they go once appended. Records produced after it linger as usual.
    /// </summary>
    void SendWaiting();

    /// <summary>Sends every waiting record now (ignoring <c>linger.ms</c>) and waits up to <paramref name="timeout"/> for all reports.</summary>
    /// <returns>How many records are still waiting for their report (0 when all were reported).</returns>
    int Flush(TimeSpan timeout);

    /// <summary>Sends every waiting record now and waits for all reports.</summary>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    void Flush(CancellationToken cancellationToken = default);

    /// <summary>Sends every waiting record now and completes when all are reported.</summary>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Readies a producer with <c>transactional.id</c>: finds its transaction coordinator, takes the
    /// id's producer id with a new epoch (fencing older instances with the same id) and lets the
    /// coordinator abort whatever an older instance left open. Call once, before anything else.
    /// </summary>
    /// <exception cref="KafkaException">Not transactional or called twice (INVALID_TXN_STATE), or it timed out (REQUEST_TIMED_OUT: it may be called again).</exception>
    void InitTransactions(TimeSpan timeout);

    /// <summary>Asynchronous <see cref="InitTransactions(TimeSpan)"/>; the token plays the timeout.</summary>
    Task InitTransactionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a transaction (locally: the coordinator learns of it with the first record or offsets).</summary>
    /// <exception cref="KafkaException">Not initialized or a transaction is already open (INVALID_TXN_STATE), or the producer is fenced.</exception>
    void BeginTransaction();

    /// <summary>
    /// Adds a consumer group's offsets to the open transaction: they become the group's committed
    /// offsets when it commits, never otherwise. Each offset is the next record to read (the last
    /// processed offset + 1); <see cref="TransactionalProducerExtensions.SendConsumedOffsetsToTransaction{TKey,TValue,TConsumerKey,TConsumerValue}(IProducer{TKey,TValue}, IConsumer{TConsumerKey,TConsumerValue}, TimeSpan)"/>
    /// computes them from a consumer's positions. The coordinator refuses them (the transaction then
    /// must abort) when <paramref name="groupMetadata"/> is out of date: the consumer left the group or missed a rebalance.
    /// </summary>
    /// <exception cref="KafkaTxnRequiresAbortException">The offsets were refused; abort.</exception>
    /// <exception cref="KafkaException">No open transaction, fenced (<see cref="Error.IsFatal"/>), or timed out.</exception>
    void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout);

    /// <summary>Asynchronous <see cref="SendOffsetsToTransaction(IEnumerable{TopicPartitionOffset}, IConsumerGroupMetadata, TimeSpan)"/>.</summary>
    Task SendOffsetsToTransactionAsync(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends every waiting record, then commits the transaction: its records become visible to
    /// <c>read_committed</c> consumers and its offsets become the group's, all at once.
    /// </summary>
    /// <exception cref="KafkaTxnRequiresAbortException">A record or step failed: the transaction must be aborted.</exception>
    /// <exception cref="KafkaException">No open transaction, fenced (<see cref="Error.IsFatal"/>), or timed out (then commit or abort may be called again).</exception>
    void CommitTransaction(TimeSpan timeout);

    /// <summary>Asynchronous <see cref="CommitTransaction(TimeSpan)"/>.</summary>
    Task CommitTransactionAsync(CancellationToken cancellationToken = default);

    /// <summary>Fails the records not yet sent and aborts the transaction: none of its records or offsets will be visible.</summary>
    /// <exception cref="KafkaException">No open transaction, fenced (<see cref="Error.IsFatal"/>), or timed out (then it may be called again).</exception>
    void AbortTransaction(TimeSpan timeout);

    /// <summary>Asynchronous <see cref="AbortTransaction(TimeSpan)"/>.</summary>
    Task AbortTransactionAsync(CancellationToken cancellationToken = default);
}
