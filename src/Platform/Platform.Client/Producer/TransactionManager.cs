using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

/// <summary>
/// A transactional producer's state machine and its conversations with the transaction coordinator
/// (FindCoordinator key type 1, InitProducerId, AddOffsetsToTxn, EndTxn) and the group coordinator
/// (TxnOffsetCommit v3 with the consumer's group metadata, KIP-447). The sender asks it which
/// partitions joined the transaction (AddPartitionsToTxn, see the Sender partial file).
/// Calls out of order throw a <see cref="KafkaException"/> naming the state; a fenced producer turns
/// fatal; any other failure inside a transaction makes it abortable.
/// </summary>
internal sealed partial class TransactionManager
{
    private readonly ProducerSettings _settings;
    private readonly string _transactionalId;
    private readonly CoordinatorLocator _transactionCoordinator;
    private readonly CoordinatorLocator _groupCoordinators;
    private readonly Func<CancellationToken, Task> _flushAsync;
    private readonly Action _wake;
    private readonly Lock _lock = new();
    private TransactionState _state;
    private Error? _error;
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private int _transaction;
    private volatile bool _startedOnBroker;

    public TransactionManager(ProducerSettings settings, ClusterConnections cluster, Func<CancellationToken, Task> flushAsync, Action wake)
    {
        _settings = settings;
        _transactionalId = settings.TransactionalId!;
        _transactionCoordinator = new CoordinatorLocator(cluster, keyType: 1);
        _groupCoordinators = new CoordinatorLocator(cluster);
        _flushAsync = flushAsync;
        _wake = wake;
    }

    public TransactionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>Set by the sender when batches failed after being numbered: the next abort bumps the epoch (KIP-360).</summary>
    public bool EpochBumpNeeded { get; set; }

    public async Task InitTransactionsAsync(CancellationToken cancellationToken)
    {
        Transition("InitTransactions", TransactionState.Initializing, TransactionState.Uninitialized, TransactionState.Initializing);
        await RunAsync("InitTransactions", async token =>
        {
            var (producerId, epoch) = await InitProducerIdAsync(-1, -1, token).ConfigureAwait(false);
            lock (_lock)
            {
                _producerId = producerId;
                _producerEpoch = epoch;
                _state = TransactionState.Ready;
            }

            _wake();
        }, cancellationToken).ConfigureAwait(false);
    }

    public void BeginTransaction()
    {
        lock (_lock)
        {
            ThrowUnlessIn("BeginTransaction", TransactionState.Ready);
            _transaction++;
            _startedOnBroker = false;
            _state = TransactionState.InTransaction;
        }
    }

    /// <summary>Called on every produce: records may only join an open transaction.</summary>
    public void EnsureCanProduce()
    {
        lock (_lock)
        {
            ThrowUnlessIn("Produce", TransactionState.InTransaction);
        }
    }

    public async Task SendOffsetsToTransactionAsync(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowUnlessIn("SendOffsetsToTransaction", TransactionState.InTransaction);
        }

        if (offsets.Count == 0)
        {
            return;
        }

        await RunAsync("SendOffsetsToTransaction", async token =>
        {
            await AddOffsetsAsync(group.GroupId, token).ConfigureAwait(false);
            await CommitOffsetsAsync(offsets, group, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task CommitTransactionAsync(CancellationToken cancellationToken)
    {
        Transition("CommitTransaction", TransactionState.CommittingTransaction, TransactionState.InTransaction, TransactionState.CommittingTransaction);
        await RunAsync("CommitTransaction", async token =>
        {
            await _flushAsync(token).ConfigureAwait(false);
            lock (_lock)
            {
                // A record that failed while flushing made the transaction abortable.
                ThrowUnlessIn("CommitTransaction", TransactionState.CommittingTransaction);
            }

            if (_startedOnBroker)
            {
                await EndTransactionAsync(commit: true, token).ConfigureAwait(false);
            }

            SetState(TransactionState.Ready);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task AbortTransactionAsync(CancellationToken cancellationToken)
    {
        Transition(
            "AbortTransaction",
            TransactionState.AbortingTransaction,
            TransactionState.InTransaction,
            TransactionState.AbortableError,
            TransactionState.CommittingTransaction,
            TransactionState.AbortingTransaction);
        _wake();
        await RunAsync("AbortTransaction", async token =>
        {
            // The sender fails what is still queued; wait for what is in flight.
            await _flushAsync(token).ConfigureAwait(false);
            if (_startedOnBroker)
            {
                await EndTransactionAsync(commit: false, token).ConfigureAwait(false);
                _startedOnBroker = false;
            }

            if (EpochBumpNeeded)
            {
                long producerId;
                short epoch;
                lock (_lock)
                {
                    (producerId, epoch) = (_producerId, _producerEpoch);
                }

                (producerId, epoch) = await InitProducerIdAsync(producerId, epoch, token).ConfigureAwait(false);
                lock (_lock)
                {
                    _producerId = producerId;
                    _producerEpoch = epoch;
                }

                EpochBumpNeeded = false;
            }

            SetState(TransactionState.Ready);
            _wake();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A failure inside the transaction: fenced errors are fatal, everything else needs an abort.</summary>
    public void Fail(Error error)
    {
        lock (_lock)
        {
            if (_state == TransactionState.FatalError)
            {
                return;
            }

            if (IsFenced(error.Code))
            {
                _state = TransactionState.FatalError;
                _error = new Error(error.Code, $"The producer with transactional.id '{_transactionalId}' was fenced by a newer instance and can no longer be used: {error.Reason}") { IsFatal = true };
            }
            else if (_state is TransactionState.InTransaction or TransactionState.CommittingTransaction)
            {
                _state = TransactionState.AbortableError;
                _error = error;
            }
        }

        _wake();
    }

    private static bool IsFenced(ErrorCode code)
        => code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced
            or ErrorCode.TransactionalIdAuthorizationFailed;

    private void SetState(TransactionState state)
    {
        lock (_lock)
        {
            if (_state != TransactionState.FatalError)
            {
                _state = state;
            }
        }
    }

    private void Transition(string operation, TransactionState to, params ReadOnlySpan<TransactionState> from)
    {
        lock (_lock)
        {
            ThrowUnlessIn(operation, from);
            _state = to;
        }
    }

    /// <summary>Throws unless the state is one of <paramref name="allowed"/> (call under the lock).</summary>
    private void ThrowUnlessIn(string operation, params ReadOnlySpan<TransactionState> allowed)
    {
        foreach (var state in allowed)
        {
            if (_state == state)
            {
                return;
            }
        }

        switch (_state)
        {
            case TransactionState.FatalError:
                throw new KafkaException(_error!);
            case TransactionState.AbortableError:
                throw new KafkaTxnRequiresAbortException(new Error(
                    _error!.Code,
                    $"{operation} is not allowed: the transaction failed and must be aborted (state {_state}): {_error.Reason}"));
            default:
                var hint = _state switch
                {
                    TransactionState.Uninitialized => " Call InitTransactions first.",
                    TransactionState.Ready => " Call BeginTransaction first.",
                    TransactionState.InTransaction => " A transaction is open: commit or abort it first.",
                    _ => string.Empty,
                };
                throw new KafkaException(new Error(ErrorCode.InvalidTxnState, $"{operation} is not allowed in transaction state {_state}.{hint}"));
        }
    }

    /// <summary>
    /// Runs a step until it succeeds or the token fires (then a retriable timeout: the same call may be
    /// made again); a fenced error turns the producer fatal, any other non-retriable one abortable.
    /// </summary>
    private async Task RunAsync(string operation, Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        try
        {
            await step(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new KafkaException(new Error(ErrorCode.RequestTimedOut, $"{operation} did not complete in time; it may be called again."));
        }
        catch (KafkaException ex) when (ex is not KafkaTxnRequiresAbortException && !ex.Error.IsFatal && ex.Error.Code != ErrorCode.InvalidTxnState)
        {
            Fail(ex.Error);
            lock (_lock)
            {
                if (_state == TransactionState.FatalError)
                {
                    throw new KafkaException(_error!, ex);
                }
            }

            throw new KafkaTxnRequiresAbortException(new Error(ex.Error.Code, $"{operation} failed; abort the transaction: {ex.Error.Reason}"));
        }
    }

    /// <summary>Sends a coordinator request until it answers something other than a retriable error.</summary>
    private async Task<ErrorCode> RetryAsync(Func<CancellationToken, Task<ErrorCode>> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            ErrorCode code;
            try
            {
                code = await send(cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.Error.IsRetriable)
            {
                code = ex.Error.Code;
            }

            if (code == ErrorCode.None || !(code.IsRetriable() || code == ErrorCode.ConcurrentTransactions))
            {
                return code;
            }

            if (CoordinatorLocator.IsCoordinatorError(code) || code == ErrorCode.NetworkException)
            {
                _transactionCoordinator.Invalidate(_transactionalId);
            }

            var backoff = code == ErrorCode.ConcurrentTransactions ? ConcurrentTransactionsBackoffMs : Math.Max(20, _settings.RetryBackoffMs);
            await Task.Delay(TimeSpan.FromMilliseconds(backoff), cancellationToken).ConfigureAwait(false);
        }
    }

    private KafkaException Failed(string step, ErrorCode code)
    {
        var error = new Error(code, $"{step} for transactional.id '{_transactionalId}' failed: {code.ToKafkaName()}.");
        if (IsFenced(code))
        {
            Fail(error);
            lock (_lock)
            {
                return new KafkaException(_error!);
            }
        }

        return new KafkaException(error);
    }

    private async Task<(long ProducerId, short Epoch)> InitProducerIdAsync(long producerId, short epoch, CancellationToken cancellationToken)
    {
        InitProducerIdResponse? response = null;
        var code = await RetryAsync(
            async token =>
            {
                response = await _transactionCoordinator.SendAsync<InitProducerIdResponse>(
                    _transactionalId,
                    ApiKey.InitProducerId,
                    version => new InitProducerIdRequest
                    {
                        TransactionalId = _transactionalId,
                        TransactionTimeoutMs = _settings.TransactionTimeoutMs,
                        ProducerId = version >= 3 ? producerId : -1,
                        ProducerEpoch = version >= 3 ? epoch : (short)-1,
                    },
                    r => r.ErrorCode,
                    token).ConfigureAwait(false);
                return (ErrorCode)response.ErrorCode;
            },
            cancellationToken).ConfigureAwait(false);
        return code == ErrorCode.None ? (response!.ProducerId, response.ProducerEpoch) : throw Failed("InitProducerId", code);
    }

    private async Task AddOffsetsAsync(string groupId, CancellationToken cancellationToken)
    {
        var (producerId, epoch) = CurrentProducer();
        var code = await RetryAsync(
            async token => (ErrorCode)(await _transactionCoordinator.SendAsync<AddOffsetsToTxnResponse>(
                _transactionalId,
                ApiKey.AddOffsetsToTxn,
                _ => new AddOffsetsToTxnRequest { TransactionalId = _transactionalId, ProducerId = producerId, ProducerEpoch = epoch, GroupId = groupId },
                r => r.ErrorCode,
                token).ConfigureAwait(false)).ErrorCode,
            cancellationToken).ConfigureAwait(false);
        if (code != ErrorCode.None)
        {
            throw Failed("AddOffsetsToTxn", code);
        }

        _startedOnBroker = true;
    }

    private async Task CommitOffsetsAsync(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata group, CancellationToken cancellationToken)
    {
        var (producerId, epoch) = CurrentProducer();
        var topics = offsets
            .GroupBy(o => o.Topic, StringComparer.Ordinal)
            .Select(g => new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic
            {
                Name = g.Key,
                Partitions = [.. g.Select(o => new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition { PartitionIndex = o.Partition, CommittedOffset = o.Offset.Value, CommittedLeaderEpoch = o.LeaderEpoch ?? -1 })],
            })
            .ToList();
        var code = await RetryAsync(
            async token =>
            {
                var response = await _groupCoordinators.SendAsync<TxnOffsetCommitResponse>(
                    group.GroupId,
                    ApiKey.TxnOffsetCommit,
                    version => new TxnOffsetCommitRequest
                    {
                        TransactionalId = _transactionalId,
                        GroupId = group.GroupId,
                        ProducerId = producerId,
                        ProducerEpoch = epoch,
                        GenerationId = group.GenerationId,
                        MemberId = group.MemberId,
                        GroupInstanceId = group.GroupInstanceId,
                        Topics = topics,
                    },
                    FirstError,
                    token).ConfigureAwait(false);
                var first = (ErrorCode)FirstError(response);
                if (CoordinatorLocator.IsCoordinatorError(first))
                {
                    _groupCoordinators.Invalidate(group.GroupId);
                }

                return first;
            },
            cancellationToken).ConfigureAwait(false);
        if (code != ErrorCode.None)
        {
            throw Failed($"TxnOffsetCommit of group '{group.GroupId}' (member '{group.MemberId}', generation {group.GenerationId})", code);
        }
    }

    private static short FirstError(TxnOffsetCommitResponse response)
    {
        foreach (var topic in response.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                if (partition.ErrorCode != 0)
                {
                    return partition.ErrorCode;
                }
            }
        }

        return 0;
    }

    private async Task EndTransactionAsync(bool commit, CancellationToken cancellationToken)
    {
        var (producerId, epoch) = CurrentProducer();
        var code = await RetryAsync(
            async token => (ErrorCode)(await _transactionCoordinator.SendAsync<EndTxnResponse>(
                _transactionalId,
                ApiKey.EndTxn,
                _ => new EndTxnRequest { TransactionalId = _transactionalId, ProducerId = producerId, ProducerEpoch = epoch, Committed = commit },
                r => r.ErrorCode,
                token).ConfigureAwait(false)).ErrorCode,
            cancellationToken).ConfigureAwait(false);
        if (code != ErrorCode.None)
        {
            throw Failed(commit ? "EndTxn(commit)" : "EndTxn(abort)", code);
        }
    }

    private (long ProducerId, short Epoch) CurrentProducer()
    {
        lock (_lock)
        {
            return (_producerId, _producerEpoch);
        }
    }
}
