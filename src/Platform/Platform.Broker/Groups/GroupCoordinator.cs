using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>
/// The classic group coordinator: routes each group request to its <see cref="ConsumerGroup"/> (whose
/// <see cref="GroupStateMachine"/> runs membership and rebalances, and whose <see cref="OffsetStore"/>
/// holds its offsets) once it has checked that this broker coordinates the group. Every group lives on
/// the <c>__consumer_offsets</c> partition its id hashes to; <see cref="GroupMetadataManager"/> writes its
/// metadata and offsets there and reads them back when the partition is loaded
/// (<see cref="LoadPartition"/>, <see cref="UnloadPartition"/>), so a restart or a coordinator move loses
/// nothing. Waiting joins are completed from other requests or timers, and writes are answered once
/// durable, never by blocking a thread.
/// </summary>
public sealed class GroupCoordinator : IDisposable
{
    public const string TopicName = "__consumer_offsets";

    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCoordinator> _logger;
    private readonly GroupMetadataManager _store;
    private readonly GroupContext _context;
    private readonly ConcurrentDictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly Lock _ownershipGate = new();
    private volatile bool[] _owned = [];
    private volatile bool _active;
    private ITimer? _expiryTimer;

    public GroupCoordinator(IOptions<BrokerOptions> options, TopicManager topics, TimeProvider time, ILogger<GroupCoordinator> logger)
    {
        _options = options.Value;
        _topics = topics;
        _time = time;
        _logger = logger;
        _store = new GroupMetadataManager(new CoordinatorTopic(topics, time, TopicName));
        _context = new GroupContext(
            _options,
            time,
            logger,
            _store,
            Remove: group => _groups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group)),
            Restore: group => _groups.TryAdd(group.GroupId, group));
    }

    /// <summary>Partitions of <c>__consumer_offsets</c>: the existing topic's count, or the configured one before it exists.</summary>
    public int OffsetsPartitionCount
        => _topics.TryGetTopic(TopicName, out var topic) ? topic.PartitionCount : _options.OffsetsTopicNumPartitions;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The <c>__consumer_offsets</c> partition of <paramref name="groupId"/>.</summary>
    public int PartitionFor(string groupId) => GroupPartitioner.PartitionFor(groupId, OffsetsPartitionCount);

    /// <summary>Loads every partition of an existing <c>__consumer_offsets</c> and starts offset expiry. Called once the logs are open.</summary>
    public void Start()
    {
        // In a cluster a partition is served only while this broker leads it: the replica manager loads it then.
        if (!_options.IsClustered && _topics.TryGetTopic(TopicName, out var topic))
        {
            _owned = new bool[topic.PartitionCount];
            for (var partition = 0; partition < topic.PartitionCount; partition++)
            {
                LoadPartition(partition);
            }

            _logger.LogLoaded(_groups.Count, topic.PartitionCount);
        }

        var interval = TimeSpan.FromMilliseconds(_options.OffsetsRetentionCheckIntervalMs);
        _expiryTimer = _time.CreateTimer(_ => RemoveExpiredOffsetsAndGroups(), null, interval, interval);
        _active = true;
    }

    /// <summary>Stops serving: pending joins and syncs are answered NOT_COORDINATOR, timers stop, later requests get COORDINATOR_NOT_AVAILABLE.</summary>
    public void Stop()
    {
        _active = false;
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        for (var partition = 0; partition < _owned.Length; partition++)
        {
            UnloadPartition(partition);
        }
    }

    public void Dispose() => Stop();

    /// <summary>
    /// Creates <c>__consumer_offsets</c> (compacted, <c>offsets.topic.num.partitions</c> partitions) if it
    /// does not exist yet, as Kafka does on the first group request. False when it cannot be created.
    /// </summary>
    public bool EnsureOffsetsTopic()
    {
        if (_owned.Length > 0 || _options.IsClustered)
        {
            // In a cluster the controller creates the topic (FindCoordinator asks it to) and leadership loads its partitions.
            return _owned.Length > 0;
        }

        lock (_ownershipGate)
        {
            if (_owned.Length > 0)
            {
                return true;
            }

            if (!_topics.TryGetTopic(TopicName, out var topic))
            {
                var configs = new Dictionary<string, string?>
                {
                    ["cleanup.policy"] = "compact",
                    ["segment.bytes"] = _options.OffsetsTopicSegmentBytes.ToString(CultureInfo.InvariantCulture),
                    ["compression.type"] = "producer",
                };
                var result = _topics.CreateTopic(TopicName, _options.OffsetsTopicNumPartitions, 1, configs, validateOnly: false);
                if (result.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists) || !_topics.TryGetTopic(TopicName, out topic))
                {
                    _logger.LogOffsetsTopicFailed(result.Error, result.Message);
                    return false;
                }
            }

            _owned = Enumerable.Repeat(true, topic.PartitionCount).ToArray();
            return true;
        }
    }

    /// <summary>
    /// Starts coordinating the groups of one <c>__consumer_offsets</c> partition (this broker became its
    /// leader, or starts): replays its records into groups, then serves them. Does nothing if the
    /// partition is served already.
    /// </summary>
    public void LoadPartition(int partition)
    {
        lock (_ownershipGate)
        {
            var owned = _owned;
            if (partition >= owned.Length && _options.IsClustered)
            {
                // The first partition led here: the topic's partitions are known from the cluster's metadata.
                owned = new bool[Math.Max(OffsetsPartitionCount, partition + 1)];
            }

            if (partition >= owned.Length || owned[partition])
            {
                return;
            }

            var groups = _store.Load(partition, out var skipped);
            foreach (var loaded in groups)
            {
                var group = new ConsumerGroup(loaded.GroupId, partition, _context);
                group.Load(loaded);
                _groups[loaded.GroupId] = group;
            }

            if (skipped > 0)
            {
                _logger.LogSkippedRecords(partition, skipped);
            }

            owned = (bool[])owned.Clone();
            owned[partition] = true;
            _owned = owned;
        }
    }

    /// <summary>
    /// Stops coordinating the groups of one <c>__consumer_offsets</c> partition (its leadership moved, or
    /// the broker stops): later requests get NOT_COORDINATOR, waiting ones are answered NOT_COORDINATOR,
    /// and the groups leave memory.
    /// </summary>
    public void UnloadPartition(int partition)
    {
        lock (_ownershipGate)
        {
            var owned = _owned;
            if (partition < owned.Length && owned[partition])
            {
                owned = (bool[])owned.Clone();
                owned[partition] = false;
                _owned = owned;
            }

            foreach (var group in _groups.Values.Where(g => g.Partition == partition).ToList())
            {
                group.Unload();
                _groups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group));
            }
        }
    }

    /// <summary>
    /// Kafka's validateGroupStatus: an error when this broker cannot serve <paramref name="groupId"/>
    /// now. Offset APIs accept an empty group id (old clients commit under ""); membership APIs do not.
    /// </summary>
    private ErrorCode Validate(string groupId, bool offsetApi = false)
    {
        if (!offsetApi && string.IsNullOrEmpty(groupId))
        {
            return ErrorCode.InvalidGroupId;
        }

        if (!_active || !EnsureOffsetsTopic())
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        var owned = _owned;
        return owned[GroupPartitioner.PartitionFor(groupId, owned.Length)] ? ErrorCode.None : ErrorCode.NotCoordinator;
    }

    /// <summary>Whether FindCoordinator may name this broker for <paramref name="groupId"/>.</summary>
    public ErrorCode CoordinatorFor(string groupId) => Validate(groupId, offsetApi: true);

    private ConsumerGroup? GetGroup(string groupId) => _groups.GetValueOrDefault(groupId);

    private ConsumerGroup GetOrCreateGroup(string groupId)
        => _groups.GetOrAdd(groupId, static (id, coordinator) => new ConsumerGroup(id, coordinator.PartitionFor(id), coordinator._context), this);

    internal static string ClientHost(System.Net.EndPoint? remote)
        => remote is System.Net.IPEndPoint ip ? "/" + ip.Address : remote?.ToString() ?? "";

    /// <summary>
    /// JoinGroup. The task completes when the rebalance does (other members joined, or the rebalance
    /// timeout passed), or at once with an error, MEMBER_ID_REQUIRED (the first step of a v4+ join)
    /// or the current generation (a member rejoining a group that needs no rebalance).
    /// </summary>
    public Task<JoinGroupResult> JoinGroupAsync(JoinGroupArgs join)
    {
        var error = Validate(join.GroupId);
        if (error == ErrorCode.None && (join.SessionTimeoutMs < _options.GroupMinSessionTimeoutMs || join.SessionTimeoutMs > _options.GroupMaxSessionTimeoutMs))
        {
            error = ErrorCode.InvalidSessionTimeout;
        }

        var group = error != ErrorCode.None ? null : join.MemberId.Length == 0 ? GetOrCreateGroup(join.GroupId) : GetGroup(join.GroupId);
        return group?.Machine.Join(join)
            ?? Task.FromResult(JoinGroupResult.Failed(error != ErrorCode.None ? error : ErrorCode.UnknownMemberId, join.MemberId));
    }

    /// <summary>
    /// SyncGroup. The leader's request carries the assignment, which is stored and handed to every
    /// member; a follower's request waits for it. In a stable group it returns the current assignment.
    /// </summary>
    public Task<SyncGroupResult> SyncGroupAsync(string groupId, int generationId, string memberId, string? groupInstanceId, string? protocolType, string? protocolName, IReadOnlyDictionary<string, byte[]> assignments)
    {
        var error = Validate(groupId);
        var group = error == ErrorCode.None ? GetGroup(groupId) : null;
        return group?.Machine.Sync(generationId, memberId, groupInstanceId, protocolType, protocolName, assignments)
            ?? Task.FromResult(SyncGroupResult.Failed(error != ErrorCode.None ? error : ErrorCode.UnknownMemberId));
    }

    /// <summary>Heartbeat: keeps the session alive and tells the member whether a rebalance is on.</summary>
    public ErrorCode Heartbeat(string groupId, int generationId, string memberId, string? groupInstanceId)
    {
        var error = Validate(groupId);
        var group = error == ErrorCode.None ? GetGroup(groupId) : null;
        return group?.Machine.Heartbeat(generationId, memberId, groupInstanceId) ?? (error != ErrorCode.None ? error : ErrorCode.UnknownMemberId);
    }

    /// <summary>
    /// LeaveGroup for one or more members (v3+ batches them; a static member may be named by its
    /// group.instance.id alone). Returns the group-level error and the error of each member.
    /// </summary>
    public (ErrorCode Error, IReadOnlyList<LeavingMember> Members) LeaveGroup(string groupId, IReadOnlyList<LeavingMember> leaving)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return (error, leaving);
        }

        return GetGroup(groupId)?.Machine.Leave(leaving) ?? (ErrorCode.None, leaving.Select(m => m with { Error = ErrorCode.UnknownMemberId }).ToList());
    }

    /// <summary>
    /// OffsetCommit of partitions the handler already checked (known, metadata not too long). Members
    /// of a managed group must name their generation; a negative generation commits for a group that
    /// only stores offsets. Completes with one error for all partitions, once they are durable: they are
    /// written as one batch.
    /// </summary>
    public Task<ErrorCode> CommitOffsetsAsync(string groupId, string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        var error = Validate(groupId, offsetApi: true);
        if (error != ErrorCode.None)
        {
            return Task.FromResult(error);
        }

        var group = GetGroup(groupId);
        if (group is null && generationId >= 0)
        {
            // The client believes it is in a managed group this coordinator does not know.
            return Task.FromResult(ErrorCode.IllegalGeneration);
        }

        return (group ?? GetOrCreateGroup(groupId)).CommitOffsets(memberId, groupInstanceId, generationId, offsets);
    }

    /// <summary>
    /// OffsetFetch: the committed offsets of <paramref name="partitions"/> (-1 for none), or of every
    /// partition the group committed when null. With require_stable (v7+) the handler marks the
    /// partitions of <see cref="UnstablePartitions"/> UNSTABLE_OFFSET_COMMIT.
    /// </summary>
    public (ErrorCode Error, IReadOnlyList<(TopicPartition Partition, CommittedOffset? Offset)> Offsets) FetchOffsets(string groupId, IReadOnlyList<TopicPartition>? partitions, bool requireStable)
    {
        _ = requireStable;
        var error = Validate(groupId, offsetApi: true);
        var group = error == ErrorCode.None ? GetGroup(groupId) : null;
        return (error, group?.FetchOffsets(partitions) ?? partitions?.Select(p => (p, (CommittedOffset?)null)).ToList() ?? []);
    }

    /// <summary>
    /// OffsetDelete: removes committed offsets of an empty group, or of topics no member of an active
    /// consumer group subscribes to (those get GROUP_SUBSCRIBED_TO_TOPIC). Completes with the group error
    /// and the error of each partition once the tombstones are durable.
    /// </summary>
    public Task<(ErrorCode Error, IReadOnlyList<(TopicPartition Partition, ErrorCode Error)> Partitions)> DeleteOffsetsAsync(string groupId, IReadOnlyList<TopicPartition> partitions)
    {
        var error = Validate(groupId);
        var group = error == ErrorCode.None ? GetGroup(groupId) : null;
        return group?.DeleteOffsets(partitions)
            ?? Task.FromResult<(ErrorCode, IReadOnlyList<(TopicPartition, ErrorCode)>)>((error != ErrorCode.None ? error : ErrorCode.GroupIdNotFound, []));
    }

    /// <summary>
    /// Offset retention (offsets.retention.minutes, see <see cref="ConsumerGroup.ExpireOffsets"/>) over
    /// every group; the tombstones complete in the background.
    /// </summary>
    internal void RemoveExpiredOffsetsAndGroups(long? nowMs = null)
    {
        var now = nowMs ?? NowMs;
        var retention = _options.OffsetsRetentionMinutes * 60_000;
        var expiries = _groups.Values.Select(g => g.ExpireOffsets(now, retention)).Where(t => !t.IsCompletedSuccessfully || t.Result != (0, false)).ToList();
        Task.WhenAll(expiries).ContinueWith(
            (done, state) =>
            {
                var results = done.Result;
                var offsets = results.Sum(r => r.Offsets);
                var groups = results.Count(r => r.Deleted);
                if (offsets > 0 || groups > 0)
                {
                    ((ILogger)state!).LogExpired(offsets, groups);
                }
            },
            _logger,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    /// <summary>
    /// TxnOffsetCommit: writes the offsets as a transactional batch of the producer and keeps them
    /// pending until the transaction coordinator ends the transaction (<see cref="CompleteTransactionAsync"/>).
    /// KIP-447: a member id, generation or instance id, when given, must match the group's.
    /// </summary>
    public Task<ErrorCode> TxnCommitOffsetsAsync(string groupId, long producerId, short producerEpoch, string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        var error = Validate(groupId, offsetApi: true);
        if (error != ErrorCode.None)
        {
            return Task.FromResult(error);
        }

        var group = GetGroup(groupId);
        if (group is null && (generationId >= 0 || memberId.Length > 0))
        {
            return Task.FromResult(generationId >= 0 ? ErrorCode.IllegalGeneration : ErrorCode.UnknownMemberId);
        }

        return (group ?? GetOrCreateGroup(groupId)).TxnCommitOffsets(producerId, producerEpoch, memberId, groupInstanceId, generationId, offsets);
    }

    /// <summary>
    /// Ends the producer's transaction on one <c>__consumer_offsets</c> partition: writes the marker and,
    /// once it is durable, makes the producer's pending offsets the committed ones (COMMIT) or drops them
    /// (ABORT). Completes with the error of the marker write: UNKNOWN_TOPIC_OR_PARTITION when the
    /// partition is not here, the log's error (INVALID_PRODUCER_EPOCH for a newer epoch) otherwise.
    /// </summary>
    public Task<ErrorCode> CompleteTransactionAsync(int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        var done = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.WriteMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit, error =>
        {
            if (error == ErrorCode.None)
            {
                foreach (var group in _groups.Values)
                {
                    if (group.Partition == partition)
                    {
                        group.CompleteTransaction(producerId, commit);
                    }
                }
            }

            done.TrySetResult(error);
        });
        return done.Task;
    }

    /// <summary>The partitions of the group with an offset commit in an open transaction (OffsetFetch require_stable).</summary>
    public IReadOnlySet<TopicPartition> UnstablePartitions(string groupId)
        => GetGroup(groupId)?.UnstablePartitions() ?? new HashSet<TopicPartition>();

    /// <summary>DescribeGroups for one group; an unknown group is reported Dead, as Kafka does before v6.</summary>
    public GroupDescription DescribeGroup(string groupId)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return new GroupDescription(error, groupId, "", "", "", []);
        }

        return GetGroup(groupId)?.Describe() ?? new GroupDescription(ErrorCode.None, groupId, nameof(GroupState.Dead), "", "", []);
    }

    /// <summary>ListGroups: every live group, optionally only those in the given states (names compared case-insensitively).</summary>
    public (ErrorCode Error, IReadOnlyList<GroupListing> Groups) ListGroups(IReadOnlyCollection<string> statesFilter)
    {
        if (!_active)
        {
            return (ErrorCode.CoordinatorNotAvailable, []);
        }

        var listings = _groups.Values.Select(g => g.Listing(statesFilter)).OfType<GroupListing>();
        return (ErrorCode.None, listings.OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList());
    }

    /// <summary>DeleteGroups for one group: only an empty group may go; its offsets and metadata get tombstones.</summary>
    public Task<ErrorCode> DeleteGroupAsync(string groupId)
    {
        var error = Validate(groupId);
        var group = error == ErrorCode.None ? GetGroup(groupId) : null;
        return group?.DeleteGroup() ?? Task.FromResult(error != ErrorCode.None ? error : ErrorCode.GroupIdNotFound);
    }
}
