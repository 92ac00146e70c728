using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>
/// The transaction coordinator: one <see cref="TransactionMetadata"/> per transactional id, stored in the
/// compacted <c>__transaction_state</c> topic (the partition the id hashes to, as groups do) and
/// reloaded at start, where a transaction caught between PrepareCommit/PrepareAbort and its markers is
/// completed. Ending a transaction writes Prepare*, the COMMIT/ABORT markers to every partition in it
/// (in-process; <c>__consumer_offsets</c> partitions through the group coordinator, which materialises
/// the staged offsets), then Complete*, each step once the one before is durable. A new state is
/// applied only once its record is durable, and no thread waits for that: the id is claimed meanwhile
/// and other changes of it get CONCURRENT_TRANSACTIONS, which clients retry. As in Kafka two timers run: every
/// transaction.abort.timed.out.transaction.cleanup.interval.ms open transactions past their timeout are
/// aborted with an epoch bump, so the old producer is fenced (and unfinished completions retried); every
/// transaction.remove.expired.transaction.cleanup.interval.ms ids idle past transactional.id.expiration.ms
/// are removed.
/// </summary>
public sealed partial class TransactionCoordinator : IDisposable
{
    public const string TopicName = "__transaction_state";

    /// <summary>A single node never changes coordinator: every marker carries epoch 0.</summary>
    public const int CoordinatorEpoch = 0;

    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly GroupCoordinator _groups;
    private readonly ProducerIdManager _producerIds;
    private readonly TimeProvider _time;
    private readonly ILogger<TransactionCoordinator> _logger;
    private readonly CoordinatorTopic _store;
    private readonly ConcurrentDictionary<string, TransactionMetadata> _transactions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TransactionMetadata> _byProducerId = new();
    private readonly Lock _topicGate = new();
    private volatile bool _topicReady;
    private volatile bool _active;
    private ITimer? _abortTimer;
    private ITimer? _expireTimer;

    public TransactionCoordinator(IOptions<BrokerOptions> options, TopicManager topics, GroupCoordinator groups, ProducerIdManager producerIds, TimeProvider time, ILogger<TransactionCoordinator> logger)
    {
        _options = options.Value;
        _topics = topics;
        _groups = groups;
        _producerIds = producerIds;
        _time = time;
        _logger = logger;
        _store = new CoordinatorTopic(topics, time, TopicName);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Partitions of <c>__transaction_state</c>: the existing topic's count, or the configured one.</summary>
    public int PartitionCount
        => _topics.TryGetTopic(TopicName, out var topic) ? topic.PartitionCount : _options.TransactionStateLogNumPartitions;

    /// <summary>The <c>__transaction_state</c> partition of <paramref name="transactionalId"/> (Java hashCode, abs, modulo).</summary>
    public int PartitionFor(string transactionalId) => GroupPartitioner.PartitionFor(transactionalId, PartitionCount);

    /// <summary>Every transactional id known (ListTransactions, DescribeTransactions, tools).</summary>
    public IReadOnlyCollection<TransactionMetadata> Transactions => [.. _transactions.Values];

    /// <summary>The transactional id's state, or null.</summary>
    public TransactionMetadata? Get(string transactionalId) => _transactions.GetValueOrDefault(transactionalId);

    /// <summary>Loads an existing <c>__transaction_state</c>, completes what was left half-done, starts the timer.</summary>
    public void Start()
    {
        if (_topics.TryGetTopic(TopicName, out var topic))
        {
            for (var partition = 0; partition < topic.PartitionCount; partition++)
            {
                LoadPartition(partition);
            }

            _topicReady = true;
            LogLoaded(_transactions.Count);
        }

        _active = true;
        foreach (var metadata in _transactions.Values)
        {
            // Transactions caught between Prepare* and Complete* are completed in the background.
            BackgroundTryFinish(metadata);
        }

        var abortInterval = TimeSpan.FromMilliseconds(_options.TransactionAbortTimedOutTransactionCleanupIntervalMs);
        _abortTimer = _time.CreateTimer(_ => AbortTimedOutTransactions(), null, abortInterval, abortInterval);
        var expireInterval = TimeSpan.FromMilliseconds(_options.TransactionRemoveExpiredTransactionCleanupIntervalMs);
        _expireTimer = _time.CreateTimer(_ => RemoveExpiredTransactionalIds(), null, expireInterval, expireInterval);
    }

    public void Stop()
    {
        _active = false;
        _abortTimer?.Dispose();
        _abortTimer = null;
        _expireTimer?.Dispose();
        _expireTimer = null;
    }

    public void Dispose() => Stop();

    /// <summary>Whether FindCoordinator (key type 1) may name this broker for <paramref name="transactionalId"/>.</summary>
    public ErrorCode CoordinatorFor(string transactionalId)
        => string.IsNullOrEmpty(transactionalId) ? ErrorCode.InvalidRequest : _active && EnsureTopic() ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;

    /// <summary>Creates <c>__transaction_state</c> (compacted) on first use, as Kafka does.</summary>
    public bool EnsureTopic()
    {
        if (_topicReady)
        {
            return true;
        }

        lock (_topicGate)
        {
            if (_topicReady || _topics.TryGetTopic(TopicName, out _))
            {
                return _topicReady = true;
            }

            var configs = new Dictionary<string, string?>
            {
                ["cleanup.policy"] = "compact",
                ["segment.bytes"] = _options.TransactionStateLogSegmentBytes.ToString(CultureInfo.InvariantCulture),
                ["compression.type"] = "uncompressed",
            };
            var result = _topics.CreateTopic(TopicName, _options.TransactionStateLogNumPartitions, 1, configs, validateOnly: false);
            if (result.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists))
            {
                LogTopicFailed(result.Error, result.Message);
                return false;
            }

            return _topicReady = true;
        }
    }

    /// <summary>
    /// InitProducerId with a transactional id: a producer id (new, or the id's own) with a bumped epoch, so
    /// older instances are fenced; an open transaction of the previous incarnation is aborted first.
    /// </summary>
    public async Task<(ErrorCode Error, long ProducerId, short ProducerEpoch)> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch)
    {
        if (timeoutMs <= 0 || timeoutMs > _options.TransactionMaxTimeoutMs)
        {
            return (ErrorCode.InvalidTransactionTimeout, -1, -1);
        }

        var error = CoordinatorFor(transactionalId);
        if (error != ErrorCode.None)
        {
            return (error, -1, -1);
        }

        var metadata = _transactions.GetOrAdd(transactionalId, id => new TransactionMetadata(id, PartitionFor(id)));
        bool ongoing;
        lock (metadata.Gate)
        {
            // Dead: expired between the lookup and the lock, so this object is no longer the id's; the retry finds a fresh one.
            if (metadata.State == TransactionState.Dead || !TryBegin(metadata))
            {
                return (ErrorCode.ConcurrentTransactions, -1, -1);
            }

            if (metadata.ProducerId >= 0 && expectedProducerId >= 0 && (expectedProducerId != metadata.ProducerId || expectedEpoch != metadata.ProducerEpoch))
            {
                metadata.Busy = false;
                return (ErrorCode.ProducerFenced, -1, -1);
            }

            ongoing = metadata.ProducerId >= 0 && metadata.State == TransactionState.Ongoing;
        }

        try
        {
            if (ongoing)
            {
                var fenced = await FenceAndAbortAsync(metadata).ConfigureAwait(false);
                lock (metadata.Gate)
                {
                    LogFenced(transactionalId, metadata.ProducerId, metadata.ProducerEpoch);
                }

                if (fenced != ErrorCode.None)
                {
                    return (ErrorCode.ConcurrentTransactions, -1, -1);
                }
            }
            else if (!await TryFinishAsync(metadata).ConfigureAwait(false))
            {
                return (ErrorCode.ConcurrentTransactions, -1, -1);
            }

            long oldProducerId;
            lock (metadata.Gate)
            {
                oldProducerId = metadata.ProducerId;
            }

            try
            {
                error = await TransitionAsync(metadata, m =>
                {
                    BumpEpoch(m);
                    m.State = TransactionState.Empty;
                    m.Partitions.Clear();
                    m.TimeoutMs = timeoutMs;
                    m.StartMs = -1;
                }).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // No producer id block could be recorded.
                return (ErrorCode.CoordinatorNotAvailable, -1, -1);
            }

            if (error != ErrorCode.None)
            {
                return (error, -1, -1);
            }

            lock (metadata.Gate)
            {
                if (oldProducerId >= 0 && oldProducerId != metadata.ProducerId)
                {
                    _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(oldProducerId, metadata));
                }

                _byProducerId[metadata.ProducerId] = metadata;
                return (ErrorCode.None, metadata.ProducerId, metadata.ProducerEpoch);
            }
        }
        finally
        {
            End(metadata);
        }
    }

    /// <summary>AddPartitionsToTxn / AddOffsetsToTxn: the partitions join the transaction, which starts if none is open.</summary>
    public async Task<ErrorCode> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<(string Topic, int Partition)> partitions)
    {
        var metadata = Get(transactionalId);
        if (metadata is null)
        {
            return _active ? ErrorCode.InvalidProducerIdMapping : ErrorCode.CoordinatorNotAvailable;
        }

        lock (metadata.Gate)
        {
            var error = CheckProducer(metadata, producerId, producerEpoch);
            if (error != ErrorCode.None)
            {
                return error;
            }

            if (metadata.State is TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence)
            {
                return ErrorCode.ConcurrentTransactions;
            }

            if (metadata.State == TransactionState.Ongoing && metadata.Partitions.IsSupersetOf(partitions))
            {
                return ErrorCode.None;
            }

            if (!TryBegin(metadata))
            {
                return ErrorCode.ConcurrentTransactions;
            }
        }

        try
        {
            return await TransitionAsync(metadata, m =>
            {
                if (m.State != TransactionState.Ongoing)
                {
                    m.State = TransactionState.Ongoing;
                    m.StartMs = NowMs;
                }

                m.Partitions.UnionWith(partitions);
            }).ConfigureAwait(false);
        }
        finally
        {
            End(metadata);
        }
    }

    /// <summary>AddPartitionsToTxn v4+ verify-only: are the partitions in the producer's open transaction?</summary>
    public ErrorCode VerifyPartition(string transactionalId, long producerId, short producerEpoch, string topic, int partition)
    {
        var metadata = Get(transactionalId);
        if (metadata is null)
        {
            return ErrorCode.InvalidProducerIdMapping;
        }

        lock (metadata.Gate)
        {
            var error = CheckProducer(metadata, producerId, producerEpoch);
            return error != ErrorCode.None ? error
                : metadata.State == TransactionState.Ongoing && metadata.Partitions.Contains((topic, partition)) ? ErrorCode.None
                : ErrorCode.InvalidTxnState;
        }
    }

    /// <summary>AddOffsetsToTxn: the group's <c>__consumer_offsets</c> partition joins the transaction.</summary>
    public Task<ErrorCode> AddOffsetsAsync(string transactionalId, long producerId, short producerEpoch, string groupId)
    {
        if (!_groups.EnsureOffsetsTopic())
        {
            return Task.FromResult(ErrorCode.CoordinatorNotAvailable);
        }

        return AddPartitionsAsync(transactionalId, producerId, producerEpoch, [(GroupCoordinator.TopicName, _groups.PartitionFor(groupId))]);
    }

    /// <summary>EndTxn: commits or aborts the open transaction, answered once its markers and Complete* state are durable; a retry of the same decision answers success.</summary>
    public async Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        var metadata = Get(transactionalId);
        if (metadata is null)
        {
            return _active ? ErrorCode.InvalidProducerIdMapping : ErrorCode.CoordinatorNotAvailable;
        }

        lock (metadata.Gate)
        {
            var error = CheckProducer(metadata, producerId, producerEpoch);
            if (error != ErrorCode.None)
            {
                return error;
            }

            switch (metadata.State)
            {
                case TransactionState.Ongoing when TryBegin(metadata):
                    break;
                case TransactionState.CompleteCommit:
                    return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
                case TransactionState.CompleteAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
                case TransactionState.Ongoing or TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence:
                    return ErrorCode.ConcurrentTransactions;
                default:
                    return ErrorCode.InvalidTxnState;
            }
        }

        try
        {
            return await FinishAsync(metadata, commit).ConfigureAwait(false) switch
            {
                ErrorCode.None or ErrorCode.ConcurrentTransactions => ErrorCode.None,
                var failed => failed,
            };
        }
        finally
        {
            End(metadata);
        }
    }

    /// <summary>
    /// Runs a transactional append under the transaction's gate, so no marker can slip between the check
    /// and the append: the partition must be in the producer's open transaction (INVALID_TXN_STATE), the
    /// epoch current (INVALID_PRODUCER_EPOCH).
    /// </summary>
    public ErrorCode AppendTransactional(long producerId, short producerEpoch, string topic, int partition, Action append)
    {
        if (!_byProducerId.TryGetValue(producerId, out var metadata))
        {
            return ErrorCode.InvalidTxnState;
        }

        lock (metadata.Gate)
        {
            if (metadata.ProducerId != producerId || producerEpoch < metadata.ProducerEpoch)
            {
                return ErrorCode.InvalidProducerEpoch;
            }

            if (producerEpoch != metadata.ProducerEpoch || metadata.State != TransactionState.Ongoing || !metadata.Partitions.Contains((topic, partition)))
            {
                return ErrorCode.InvalidTxnState;
            }

            append();
            return ErrorCode.None;
        }
    }

    /// <summary>TxnOffsetCommit's check: the producer is current and the group's offsets partition is in its transaction.</summary>
    public ErrorCode VerifyOffsetCommit(string transactionalId, long producerId, short producerEpoch, string groupId)
        => VerifyPartition(transactionalId, producerId, producerEpoch, GroupCoordinator.TopicName, _groups.PartitionFor(groupId));

    /// <summary>Claims the id for a change written without the gate held; false if another one runs. Caller holds the gate.</summary>
    private static bool TryBegin(TransactionMetadata metadata)
    {
        if (metadata.Busy)
        {
            return false;
        }

        metadata.Busy = true;
        return true;
    }

    private static void End(TransactionMetadata metadata)
    {
        lock (metadata.Gate)
        {
            metadata.Busy = false;
        }
    }

    private static ErrorCode CheckProducer(TransactionMetadata metadata, long producerId, short producerEpoch)
        => metadata.ProducerId != producerId ? ErrorCode.InvalidProducerIdMapping
            : producerEpoch != metadata.ProducerEpoch ? ErrorCode.ProducerFenced
            : ErrorCode.None;

    /// <summary>The next epoch; at the end of the epoch space, a new producer id at epoch 0.</summary>
    private void BumpEpoch(TransactionMetadata metadata)
    {
        if (metadata.ProducerId < 0 || metadata.ProducerEpoch >= short.MaxValue - 1)
        {
            metadata.ProducerId = _producerIds.NextProducerId();
            metadata.ProducerEpoch = 0;
        }
        else
        {
            metadata.ProducerEpoch++;
        }
    }
}
