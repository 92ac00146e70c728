using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

/// <summary>
/// What the sender thread asks of the transaction: the producer id and epoch to stamp on batches,
/// whether a partition joined the open transaction (AddPartitionsToTxn, sent once per partition
/// before its first batch, several partitions per request), and whether queued batches must fail.
/// The pending list and the in-flight request are touched by the sender thread only.
/// </summary>
internal sealed partial class TransactionManager
{
    private const int ConcurrentTransactionsBackoffMs = 2;

    private readonly List<PartitionQueue> _pendingPartitions = [];
    private readonly List<PartitionQueue> _addingPartitions = [];
    private Task<ErrorCode>? _adding;
    private int _addingTransaction;
    private long _addRetryAtTicks;

    /// <summary>The producer id and epoch batches carry; false before <c>InitTransactions</c> succeeded.</summary>
    public bool TryGetProducer(out long producerId, out short epoch)
    {
        lock (_lock)
        {
            (producerId, epoch) = (_producerId, _producerEpoch);
            return producerId >= 0 && _state is not TransactionState.Uninitialized and not TransactionState.Initializing;
        }
    }

    /// <summary>The error queued batches fail with now (aborting, abortable or fatal), else null.</summary>
    public Error? QueuedBatchFailure()
    {
        lock (_lock)
        {
            return _state switch
            {
                TransactionState.AbortingTransaction => new Error(ErrorCode.TransactionAbortable, "The transaction was aborted before the record was sent."),
                TransactionState.AbortableError or TransactionState.FatalError => _error,
                _ => null,
            };
        }
    }

    /// <summary>Whether <paramref name="queue"/>'s partition is in the open transaction; if not, it is queued for AddPartitionsToTxn.</summary>
    public bool IsPartitionAdded(PartitionQueue queue)
    {
        var transaction = Volatile.Read(ref _transaction);
        if (queue.AddedToTransaction == transaction)
        {
            return true;
        }

        if (queue.PendingTransaction != transaction)
        {
            queue.PendingTransaction = transaction;
            _pendingPartitions.Add(queue);
        }

        return false;
    }

    /// <summary>Records the outcome of a finished AddPartitionsToTxn: its partitions joined, go back in line, or fail the transaction (sender thread).</summary>
    public void CompleteAddPartitions(long now)
    {
        if (_adding is { IsCompleted: true } done)
        {
            _adding = null;
            var code = done.IsCompletedSuccessfully ? done.Result : ErrorCode.NetworkException;
            if (_addingTransaction != Volatile.Read(ref _transaction))
            {
                // The transaction ended meanwhile; nothing to record.
            }
            else if (code == ErrorCode.None)
            {
                _startedOnBroker = true;
                foreach (var queue in _addingPartitions)
                {
                    queue.AddedToTransaction = _addingTransaction;
                }
            }
            else if (code.IsRetriable() || code is ErrorCode.ConcurrentTransactions or ErrorCode.OperationNotAttempted)
            {
                if (CoordinatorLocator.IsCoordinatorError(code) || code == ErrorCode.NetworkException)
                {
                    _transactionCoordinator.Invalidate(_transactionalId);
                }

                // CONCURRENT_TRANSACTIONS usually means the previous commit's markers are still being
                // written, a matter of milliseconds: retry soon, not after the full backoff.
                _pendingPartitions.InsertRange(0, _addingPartitions);
                _addRetryAtTicks = now + (code == ErrorCode.ConcurrentTransactions ? ConcurrentTransactionsBackoffMs : _settings.RetryBackoffMs);
            }
            else
            {
                Fail(new Error(code, $"AddPartitionsToTxn for transactional.id '{_transactionalId}' failed: {code.ToKafkaName()}."));
            }

            _addingPartitions.Clear();
        }
    }

    /// <summary>Sends one AddPartitionsToTxn for the partitions waiting to join, unless one is in flight or backing off (sender thread).</summary>
    public void SendAddPartitions(long now, ref long nextWake)
    {
        var transaction = Volatile.Read(ref _transaction);
        _pendingPartitions.RemoveAll(q => q.PendingTransaction != transaction || q.AddedToTransaction == transaction);
        if (_adding is not null || _pendingPartitions.Count == 0)
        {
            return;
        }

        if (now < _addRetryAtTicks)
        {
            nextWake = Math.Min(nextWake, _addRetryAtTicks);
            return;
        }

        if (State != TransactionState.InTransaction && State != TransactionState.CommittingTransaction)
        {
            return;
        }

        _addingPartitions.AddRange(_pendingPartitions);
        _pendingPartitions.Clear();
        _addingTransaction = transaction;
        var (producerId, epoch) = CurrentProducer();
        var topics = _addingPartitions
            .GroupBy(q => q.Topic, StringComparer.Ordinal)
            .Select(g => new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic { Name = g.Key, Partitions = [.. g.Select(q => q.Partition)] })
            .ToList();
        _adding = AddPartitionsAsync(producerId, epoch, topics);
        _adding.ContinueWith(static (_, state) => ((Action)state!)(), _wake, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<ErrorCode> AddPartitionsAsync(long producerId, short epoch, List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics)
    {
        try
        {
            var response = await _transactionCoordinator.SendAsync<AddPartitionsToTxnResponse>(
                _transactionalId,
                ApiKey.AddPartitionsToTxn,
                _ => new AddPartitionsToTxnRequest
                {
                    V3AndBelowTransactionalId = _transactionalId,
                    V3AndBelowProducerId = producerId,
                    V3AndBelowProducerEpoch = epoch,
                    V3AndBelowTopics = topics,
                },
                FirstError,
                CancellationToken.None,
                maxVersion: 3).ConfigureAwait(false);
            return (ErrorCode)FirstError(response);
        }
        catch (KafkaException ex)
        {
            return ex.Error.Code;
        }
    }

    private static short FirstError(AddPartitionsToTxnResponse response)
    {
        if (response.ErrorCode != 0)
        {
            return response.ErrorCode;
        }

        var notAttempted = (short)0;
        foreach (var topic in response.ResultsByTopicV3AndBelow)
        {
            foreach (var partition in topic.ResultsByPartition)
            {
                if (partition.PartitionErrorCode == (short)ErrorCode.OperationNotAttempted)
                {
                    notAttempted = partition.PartitionErrorCode;
                }
                else if (partition.PartitionErrorCode != 0)
                {
                    return partition.PartitionErrorCode;
                }
            }
        }

        return notAttempted;
    }
}
