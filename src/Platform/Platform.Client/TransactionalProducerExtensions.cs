namespace Platform.Client;

/// <summary>
/// Exactly-once helpers that spare the caller the "last offset + 1" trap: the offsets a group commits
/// are the next records to read, which is exactly a consumer's position, not the offset of the last
/// record it returned.
/// </summary>
public static class TransactionalProducerExtensions
{
    /// <summary>
    /// Adds to the open transaction, for every partition assigned to <paramref name="consumer"/> with
    /// a known position, that position (the offset after the last record consumed) together with the
    /// consumer's current group metadata. Partitions without a position are left out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The consumer has no <c>group.id</c>.</exception>
    public static void SendConsumedOffsetsToTransaction<TKey, TValue, TConsumerKey, TConsumerValue>(
        this IProducer<TKey, TValue> producer,
        IConsumer<TConsumerKey, TConsumerValue> consumer,
        TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var (offsets, group) = Consumed(consumer);
        producer.SendOffsetsToTransaction(offsets, group, timeout);
    }

    /// <summary>Asynchronous <see cref="SendConsumedOffsetsToTransaction{TKey,TValue,TConsumerKey,TConsumerValue}(IProducer{TKey,TValue}, IConsumer{TConsumerKey,TConsumerValue}, TimeSpan)"/>.</summary>
    public static Task SendConsumedOffsetsToTransactionAsync<TKey, TValue, TConsumerKey, TConsumerValue>(
        this IProducer<TKey, TValue> producer,
        IConsumer<TConsumerKey, TConsumerValue> consumer,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var (offsets, group) = Consumed(consumer);
        return producer.SendOffsetsToTransactionAsync(offsets, group, cancellationToken);
    }

    /// <summary>
    /// Sends the consumer's positions (<see cref="SendConsumedOffsetsToTransaction{TKey,TValue,TConsumerKey,TConsumerValue}(IProducer{TKey,TValue}, IConsumer{TConsumerKey,TConsumerValue}, TimeSpan)"/>)
    /// and commits the transaction, each step within <paramref name="timeout"/>.
    /// </summary>
    public static void CommitConsumed<TKey, TValue, TConsumerKey, TConsumerValue>(
        this IProducer<TKey, TValue> producer,
        IConsumer<TConsumerKey, TConsumerValue> consumer,
        TimeSpan timeout)
    {
        producer.SendConsumedOffsetsToTransaction(consumer, timeout);
        producer.CommitTransaction(timeout);
    }

    private static (List<TopicPartitionOffset> Offsets, IConsumerGroupMetadata Group) Consumed<TKey, TValue>(IConsumer<TKey, TValue> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var group = consumer.ConsumerGroupMetadata
            ?? throw new InvalidOperationException("The consumer has no 'group.id': there is no group to commit offsets for.");
        var offsets = new List<TopicPartitionOffset>();
        foreach (var partition in consumer.Assignment)
        {
            var position = consumer.Position(partition);
            if (position.Value >= 0)
            {
                offsets.Add(new TopicPartitionOffset(partition, position));
            }
        }

        return (offsets, group);
    }
}
