using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>
/// The transaction coordinator's requests. Each transactional id lives on the partition of the compacted
/// <c>__transaction_state</c> topic it hashes to (as groups do), and is served by the broker leading that
/// partition: the <see cref="TransactionStateCache"/> loads a partition's ids when this broker becomes its
/// leader (<see cref="LoadPartition"/>; a single broker loads them all at start) and drops them when it
/// stops being (<see cref="UnloadPartition"/>); other brokers answer NOT_COORDINATOR. Ending a transaction
/// (<see cref="TransactionCompletion"/>) writes Prepare*, the COMMIT/ABORT markers to every partition of
/// the transaction wherever its leader is (<see cref="TransactionMarkerSender"/>), then Complete*, each
/// step once the one before is durable; a coordinator that takes over completes what its predecessor left
/// prepared. A new state is applied only once its record is durable, and no thread waits for that: the id
/// is claimed meanwhile and other changes of it get CONCURRENT_TRANSACTIONS, which clients retry. As in
/// Kafka two timers run: every transaction.abort.timed.out.transaction.cleanup.interval.ms open
/// transactions past their timeout are aborted with an epoch bump, so the old producer is fenced (and
/// unfinished completions retried); every transaction.remove.expired.transaction.cleanup.interval.ms ids
/// idle past transactional.id.expiration.ms are removed.
/// </summary>
public sealed class TransactionCoordinator : IDisposable
{
    public const string TopicName = "__transaction_state";

    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly GroupCoordinator _groups;
    private readonly ClusterMetadata _metadata;
    private readonly TimeProvider _time;
    private readonly ILogger<TransactionCoordinator> _logger;
    private readonly TransactionStateCache _cache;
    private readonly TransactionMarkerSender _markers;
    private readonly TransactionCompletion _completion;
    private readonly Lock _topicGate = new();
    private volatile bool _topicReady;
    private volatile bool _active;
    private ITimer? _abortTimer;
    private ITimer? _expireTimer;

    public TransactionCoordinator(
        IOptions<BrokerOptions> options, TopicManager topics, GroupCoordinator groups, ProducerIdManager producerIds, ClusterInfo cluster, ClusterMetadata metadata,
        TransactionMarkerWriter markerWriter, TimeProvider time, ILogger<TransactionCoordinator> logger)
    {
        _options = options.Value;
        _topics = topics;
        _groups = groups;
        _metadata = metadata;
        _time = time;
        _logger = logger;
        _cache = new TransactionStateCache(new CoordinatorTopic(topics, time, TopicName), topics, cluster, time, logger);
        _markers = new TransactionMarkerSender(markerWriter, metadata, cluster, logger);
        _completion = new TransactionCompletion(_cache, _markers, producerIds, _options, logger);
    }

    /// <summary>Partitions of <c>__transaction_state</c>: the cluster's or the local topic's count, or the configured one before it exists.</summary>
    public int PartitionCount
        => _metadata.Enabled && _metadata.View.Topics.TryGetValue(TopicName, out var assignment) ? assignment.Replicas.Length
            : _topics.TryGetTopic(TopicName, out var topic) ? topic.PartitionCount
            : _options.TransactionStateLogNumPartitions;

    /// <summary>The <c>__transaction_state</c> partition of <paramref name="transactionalId"/> (Java hashCode, abs, modulo).</summary>
    public int PartitionFor(string transactionalId) => GroupPartitioner.PartitionFor(transactionalId, PartitionCount);

    /// <summary>Every transactional id served here (ListTransactions, DescribeTransactions, tools).</summary>
    public IReadOnlyCollection<TransactionMetadata> Transactions => [.. _cache.Values];

    /// <summary>The transactional id's state if it is served here, or null.</summary>
    public TransactionMetadata? Get(string transactionalId) => _cache.Get(transactionalId);

    /// <summary>The coordinator's clock in Unix milliseconds (what transaction start times are measured in).</summary>
    public long CurrentTimeMs => _cache.NowMs;

    /// <summary>Whether the coordinator can answer describe and list requests: started, and not stopping.</summary>
    public ErrorCode DescribeError => _active ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;

    /// <summary>
    /// Starts the timers. A single broker loads every partition of an existing <c>__transaction_state</c>
    /// (it leads them all, at epoch 0) and completes what was left half-done; in a cluster the replica
    /// manager loads the partitions this broker leads as it becomes their leader.
    /// </summary>
    public void Start()
    {
        _active = true;
        if (!_options.IsClustered && _topics.TryGetTopic(TopicName, out var topic))
        {
            for (var partition = 0; partition < topic.PartitionCount; partition++)
            {
                LoadPartition(partition, 0);
            }

            _topicReady = true;
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
        _cache.UnloadAll();
    }

    public void Dispose()
    {
        Stop();
        _markers.Dispose();
    }

    /// <summary>
    /// This broker became the leader of <c>__transaction_state</c>-<paramref name="partition"/> at
    /// <paramref name="leaderEpoch"/>, which becomes the coordinator epoch of its ids: they are loaded from
    /// the log, and transactions found prepared get their markers (again) and are completed in the background.
    /// </summary>
    public void LoadPartition(int partition, int leaderEpoch)
    {
        var loaded = _cache.Load(partition, leaderEpoch);

        // Off the caller's thread: the replica manager applies role changes under its lock, and markers to local partitions append synchronously.
        _ = Task.Run(() =>
        {
            foreach (var metadata in loaded)
            {
                _completion.BackgroundTryFinish(metadata);
            }
        });
    }

    /// <summary>This broker no longer leads <c>__transaction_state</c>-<paramref name="partition"/>: its ids are no longer served here.</summary>
    public void UnloadPartition(int partition) => _cache.Unload(partition);

    /// <summary>Whether FindCoordinator (key type 1) may name this broker for <paramref name="transactionalId"/> (a single broker; a cluster asks its metadata).</summary>
    public ErrorCode CoordinatorFor(string transactionalId)
        => string.IsNullOrEmpty(transactionalId) ? ErrorCode.InvalidRequest : Serves(transactionalId);

    /// <summary>
    /// Creates <c>__transaction_state</c> (compacted) on first use on a single broker, as Kafka does; in a
    /// cluster the controller creates it (FindCoordinator asks it to), so this only says whether it exists.
    /// </summary>
    public bool EnsureTopic()
    {
        if (_topicReady)
        {
            return true;
        }

        if (_options.IsClustered)
        {
            return _topicReady = _metadata.View.Topics.ContainsKey(TopicName);
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
                _logger.LogTopicFailed(result.Error, result.Message);
                return false;
            }

            _cache.OwnNew(PartitionCount);
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

        if (_cache.GetOrAdd(transactionalId, PartitionFor(transactionalId)) is not { } metadata)
        {
            return (ErrorCode.NotCoordinator, -1, -1);
        }

        bool ongoing;
        lock (metadata.Gate)
        {
            // Dead: expired between the lookup and the lock, so this object is no longer the id's; the retry finds a fresh one.
            if (metadata.State == TransactionState.Dead || !metadata.TryClaim())
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
            var finished = ongoing ? await _completion.FenceAndAbortAsync(metadata).ConfigureAwait(false) : await _completion.TryFinishAsync(metadata).ConfigureAwait(false);
            if (ongoing)
            {
                lock (metadata.Gate)
                {
                    _logger.LogFenced(transactionalId, metadata.ProducerId, metadata.ProducerEpoch);
                }
            }

            if (finished != ErrorCode.None)
            {
                return (finished == ErrorCode.NotCoordinator ? finished : ErrorCode.ConcurrentTransactions, -1, -1);
            }

            long oldProducerId;
            lock (metadata.Gate)
            {
                oldProducerId = metadata.ProducerId;
            }

            try
            {
                error = await _cache.TransitionAsync(metadata, m =>
                {
                    _completion.BumpEpoch(m);
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
                _cache.SetProducerId(metadata, oldProducerId);
                return (ErrorCode.None, metadata.ProducerId, metadata.ProducerEpoch);
            }
        }
        finally
        {
            metadata.Release();
        }
    }

    /// <summary>AddPartitionsToTxn / AddOffsetsToTxn: the partitions join the transaction, which starts if none is open.</summary>
    public async Task<ErrorCode> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<(string Topic, int Partition)> partitions)
    {
        var (error, metadata) = Served(transactionalId);
        if (metadata is null)
        {
            return error;
        }

        lock (metadata.Gate)
        {
            error = CheckProducer(metadata, producerId, producerEpoch);
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

            if (!metadata.TryClaim())
            {
                return ErrorCode.ConcurrentTransactions;
            }
        }

        try
        {
            return await _cache.TransitionAsync(metadata, m =>
            {
                if (m.State != TransactionState.Ongoing)
                {
                    m.State = TransactionState.Ongoing;
                    m.StartMs = _cache.NowMs;
                }

                m.Partitions.UnionWith(partitions);
            }).ConfigureAwait(false);
        }
        finally
        {
            metadata.Release();
        }
    }

    /// <summary>AddPartitionsToTxn v4+ verify-only: are the partitions in the producer's open transaction?</summary>
    public ErrorCode VerifyPartition(string transactionalId, long producerId, short producerEpoch, string topic, int partition)
    {
        var (error, metadata) = Served(transactionalId);
        if (metadata is null)
        {
            return error;
        }

        lock (metadata.Gate)
        {
            error = CheckProducer(metadata, producerId, producerEpoch);
            return error != ErrorCode.None ? error
                : metadata.State == TransactionState.Ongoing && metadata.Partitions.Contains((topic, partition)) ? ErrorCode.None
                : ErrorCode.InvalidTxnState;
        }
    }

    /// <summary>AddOffsetsToTxn: the group's <c>__consumer_offsets</c> partition joins the transaction.</summary>
    public Task<ErrorCode> AddOffsetsAsync(string transactionalId, long producerId, short producerEpoch, string groupId)
        => OffsetsPartitionFor(groupId) is var partition and >= 0
            ? AddPartitionsAsync(transactionalId, producerId, producerEpoch, [(GroupCoordinator.TopicName, partition)])
            : Task.FromResult(ErrorCode.CoordinatorNotAvailable);

    /// <summary>EndTxn: commits or aborts the open transaction, answered once its markers and Complete* state are durable; a retry of the same decision answers success.</summary>
    public async Task<ErrorCode> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        var (error, metadata) = Served(transactionalId);
        if (metadata is null)
        {
            return error;
        }

        lock (metadata.Gate)
        {
            error = CheckProducer(metadata, producerId, producerEpoch);
            if (error != ErrorCode.None)
            {
                return error;
            }

            switch (metadata.State)
            {
                case TransactionState.Ongoing when metadata.TryClaim():
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
            // Prepared but not complete yet: the decision is durable, the timer (or the next coordinator) completes it.
            return await _completion.FinishAsync(metadata, commit).ConfigureAwait(false) switch
            {
                ErrorCode.None or ErrorCode.ConcurrentTransactions => ErrorCode.None,
                var failed => failed,
            };
        }
        finally
        {
            metadata.Release();
        }
    }

    /// <summary>
    /// Runs a transactional append under the transaction's gate, so no marker can slip between the check
    /// and the append: the partition must be in the producer's open transaction (INVALID_TXN_STATE), the
    /// epoch current (INVALID_PRODUCER_EPOCH). In a cluster a producer whose transaction is coordinated
    /// elsewhere is appended as Kafka's partition leaders do: the log checks its epoch.
    /// </summary>
    public ErrorCode AppendTransactional(long producerId, short producerEpoch, string topic, int partition, Action append)
    {
        if (_cache.GetByProducerId(producerId) is not { } metadata)
        {
            if (!_options.IsClustered)
            {
                return ErrorCode.InvalidTxnState;
            }

            append();
            return ErrorCode.None;
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

    /// <summary>
    /// TxnOffsetCommit's check: the producer is current and the group's offsets partition is in its
    /// transaction. In a cluster the group's coordinator may not coordinate the transaction; then, as in
    /// Kafka, the offsets are staged unchecked and the transaction's marker decides them.
    /// </summary>
    public ErrorCode VerifyOffsetCommit(string transactionalId, long producerId, short producerEpoch, string groupId)
    {
        if (_options.IsClustered && (string.IsNullOrEmpty(transactionalId) || _cache.Get(transactionalId) is null))
        {
            return ErrorCode.None;
        }

        var partition = OffsetsPartitionFor(groupId);
        return partition < 0 ? ErrorCode.CoordinatorNotAvailable : VerifyPartition(transactionalId, producerId, producerEpoch, GroupCoordinator.TopicName, partition);
    }

    /// <summary>A copy of <paramref name="transactionalId"/>'s state taken under its gate, or null when the id is unknown here.</summary>
    public TransactionDescription? Describe(string transactionalId) => _cache.Get(transactionalId) is { } metadata ? Describe(metadata) : null;

    /// <summary>Copies of every transactional id's state served here, ordered by id.</summary>
    public IReadOnlyList<TransactionDescription> DescribeAll()
        => [.. _cache.Values.Select(Describe).Where(d => d.State != TransactionState.Dead).OrderBy(d => d.TransactionalId, StringComparer.Ordinal)];

    /// <summary>Aborts transactions past their timeout and retries unfinished completions, in the background (the timer's work).</summary>
    internal void AbortTimedOutTransactions()
    {
        if (_active)
        {
            _completion.AbortTimedOutTransactions();
        }
    }

    /// <summary>Removes ids idle past transactional.id.expiration.ms (the timer's work); returns how many tombstones were started.</summary>
    internal int RemoveExpiredTransactionalIds() => _active ? _completion.RemoveExpiredTransactionalIds() : 0;

    private static TransactionDescription Describe(TransactionMetadata metadata)
    {
        lock (metadata.Gate)
        {
            var partitions = metadata.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            return new TransactionDescription(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, metadata.TimeoutMs, metadata.State, metadata.StartMs, partitions);
        }
    }

    /// <summary>Whether this broker serves <paramref name="transactionalId"/> now: COORDINATOR_NOT_AVAILABLE (stopped, no topic), NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, or None.</summary>
    private ErrorCode Serves(string transactionalId)
        => !_active || !EnsureTopic() ? ErrorCode.CoordinatorNotAvailable : _cache.Check(PartitionFor(transactionalId));

    /// <summary>The id's metadata if it is served here, else why not (an id served here but unknown: INVALID_PRODUCER_ID_MAPPING).</summary>
    private (ErrorCode Error, TransactionMetadata? Metadata) Served(string transactionalId)
    {
        var error = string.IsNullOrEmpty(transactionalId) ? ErrorCode.InvalidRequest : Serves(transactionalId);
        return error != ErrorCode.None ? (error, null)
            : _cache.Get(transactionalId) is { } metadata ? (ErrorCode.None, metadata)
            : (ErrorCode.InvalidProducerIdMapping, null);
    }

    /// <summary>The group's <c>__consumer_offsets</c> partition, or -1 while the topic does not exist (or, on a single broker, cannot be created).</summary>
    private int OffsetsPartitionFor(string groupId)
    {
        if (_metadata.Enabled)
        {
            return _metadata.View.Topics.TryGetValue(GroupCoordinator.TopicName, out var assignment) ? GroupPartitioner.PartitionFor(groupId, assignment.Replicas.Length) : -1;
        }

        return _groups.EnsureOffsetsTopic() ? _groups.PartitionFor(groupId) : -1;
    }

    private static ErrorCode CheckProducer(TransactionMetadata metadata, long producerId, short producerEpoch)
        => metadata.ProducerId != producerId ? ErrorCode.InvalidProducerIdMapping
            : producerEpoch != metadata.ProducerEpoch ? ErrorCode.ProducerFenced
            : ErrorCode.None;
}
