using Platform.Protocol;

namespace Platform.Client.Producer;

/// <summary>The transactional API; the work is done by the <see cref="TransactionManager"/>.</summary>
internal sealed partial class Producer<TKey, TValue>
{
    public void InitTransactions(TimeSpan timeout) => WithTimeout(timeout, InitTransactionsAsync);

    public Task InitTransactionsAsync(CancellationToken cancellationToken = default)
        => Transactions("InitTransactions").InitTransactionsAsync(cancellationToken);

    public void BeginTransaction() => Transactions("BeginTransaction").BeginTransaction();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout)
        => WithTimeout(timeout, token => SendOffsetsToTransactionAsync(offsets, groupMetadata, token));

    public Task SendOffsetsToTransactionAsync(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(groupMetadata);
        var list = offsets.ToList();
        foreach (var offset in list)
        {
            if (offset.Offset.Value < 0)
            {
                throw new ArgumentException($"Offset {offset.Offset} of {offset.Topic}-{offset.Partition} is not a committable offset (it must be the next offset to read, >= 0).", nameof(offsets));
            }
        }

        return Transactions("SendOffsetsToTransaction").SendOffsetsToTransactionAsync(list, groupMetadata, cancellationToken);
    }

    public void CommitTransaction(TimeSpan timeout) => WithTimeout(timeout, CommitTransactionAsync);

    public Task CommitTransactionAsync(CancellationToken cancellationToken = default)
        => Transactions("CommitTransaction").CommitTransactionAsync(cancellationToken);

    public void AbortTransaction(TimeSpan timeout) => WithTimeout(timeout, AbortTransactionAsync);

    public Task AbortTransactionAsync(CancellationToken cancellationToken = default)
        => Transactions("AbortTransaction").AbortTransactionAsync(cancellationToken);

    private TransactionManager Transactions(string operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _transactions ?? throw new KafkaException(new Error(
            ErrorCode.InvalidTxnState,
            $"{operation} needs a transactional producer: set 'transactional.id'."));
    }

    private static void WithTimeout(TimeSpan timeout, Func<CancellationToken, Task> operation)
    {
        using var cts = new CancellationTokenSource(timeout);
        operation(cts.Token).GetAwaiter().GetResult();
    }
}
