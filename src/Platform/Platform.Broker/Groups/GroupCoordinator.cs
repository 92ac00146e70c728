using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>
/// The classic group coordinator: membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), the
/// rebalance state machine, committed offsets and the admin views of groups. Every group lives on
/// the <c>__consumer_offsets</c> partition its id hashes to; its metadata and offsets are written
/// there and replayed when the partition is loaded, so a restart loses nothing. Joins that wait for
/// a rebalance are completed from other requests or from timers (a <see cref="TimeProvider"/>), never
/// by blocking a thread.
/// </summary>
public sealed partial class GroupCoordinator : IDisposable
{
    private readonly BrokerOptions _options;
    private readonly TopicManager _topics;
    private readonly OffsetStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupCoordinator> _logger;
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
        _store = new OffsetStore(topics, time);
    }

    /// <summary>Partitions of <c>__consumer_offsets</c>: the existing topic's count, or the configured one before it exists.</summary>
    public int OffsetsPartitionCount
        => _topics.TryGetTopic(OffsetStore.TopicName, out var topic) ? topic.PartitionCount : _options.OffsetsTopicNumPartitions;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long OffsetsRetentionMs => _options.OffsetsRetentionMinutes * 60_000;

    /// <summary>The <c>__consumer_offsets</c> partition of <paramref name="groupId"/>.</summary>
    public int PartitionFor(string groupId) => GroupPartitioner.PartitionFor(groupId, OffsetsPartitionCount);

    /// <summary>Loads every partition of an existing <c>__consumer_offsets</c> and starts offset expiry. Called once the logs are open.</summary>
    public void Start()
    {
        if (_topics.TryGetTopic(OffsetStore.TopicName, out var topic))
        {
            var owned = new bool[topic.PartitionCount];
            for (var partition = 0; partition < owned.Length; partition++)
            {
                LoadPartitionGroups(partition);
                owned[partition] = true;
            }

            _owned = owned;
            LogLoaded(_groups.Count, owned.Length);
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
        if (_owned.Length > 0)
        {
            return true;
        }

        lock (_ownershipGate)
        {
            if (_owned.Length > 0)
            {
                return true;
            }

            if (!_topics.TryGetTopic(OffsetStore.TopicName, out var topic))
            {
                var configs = new Dictionary<string, string?>
                {
                    ["cleanup.policy"] = "compact",
                    ["segment.bytes"] = _options.OffsetsTopicSegmentBytes.ToString(CultureInfo.InvariantCulture),
                    ["compression.type"] = "producer",
                };
                var result = _topics.CreateTopic(OffsetStore.TopicName, _options.OffsetsTopicNumPartitions, 1, configs, validateOnly: false);
                if (result.Error is not (ErrorCode.None or ErrorCode.TopicAlreadyExists) || !_topics.TryGetTopic(OffsetStore.TopicName, out topic))
                {
                    LogOffsetsTopicFailed(result.Error, result.Message);
                    return false;
                }
            }

            _owned = Enumerable.Repeat(true, topic.PartitionCount).ToArray();
            return true;
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

        if (!_active)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (!EnsureOffsetsTopic())
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        var owned = _owned;
        var partition = GroupPartitioner.PartitionFor(groupId, owned.Length);
        return owned[partition] ? ErrorCode.None : ErrorCode.NotCoordinator;
    }

    /// <summary>Whether FindCoordinator may name this broker for <paramref name="groupId"/>.</summary>
    public ErrorCode CoordinatorFor(string groupId) => Validate(groupId, offsetApi: true);

    private ConsumerGroup? GetGroup(string groupId) => _groups.GetValueOrDefault(groupId);

    private ConsumerGroup GetOrCreateGroup(string groupId)
        => _groups.GetOrAdd(groupId, id => new ConsumerGroup(id, PartitionFor(id), NowMs));

    /// <summary>Drops a dead group from the map, unless a new group of the same id replaced it.</summary>
    private void RemoveGroup(ConsumerGroup group) => _groups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group));

    /// <summary>
    /// Stops coordinating the groups of one <c>__consumer_offsets</c> partition (its leadership moved, or
    /// the broker stops): their waiting requests are answered NOT_COORDINATOR and they leave memory.
    /// </summary>
    public void UnloadPartition(int partition)
    {
        lock (_ownershipGate)
        {
            var owned = (bool[])_owned.Clone();
            if (partition < owned.Length)
            {
                owned[partition] = false;
                _owned = owned;
            }
        }

        foreach (var group in _groups.Values.Where(g => g.Partition == partition).ToList())
        {
            lock (group.Gate)
            {
                foreach (var member in group.Members.Values)
                {
                    member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.NotCoordinator, member.MemberId));
                    member.CompleteSync(SyncGroupResult.Failed(ErrorCode.NotCoordinator));
                    member.DisposeTimer();
                }

                foreach (var timer in group.PendingMembers.Values)
                {
                    timer.Dispose();
                }

                group.PendingMembers.Clear();
                CancelJoinTimer(group);
                group.TransitionTo(GroupState.Dead, NowMs);
                RemoveGroup(group);
            }
        }
    }

    /// <summary>Replays one <c>__consumer_offsets</c> partition and serves its groups again.</summary>
    public void LoadPartition(int partition)
    {
        lock (_ownershipGate)
        {
            LoadPartitionGroups(partition);
            var owned = (bool[])_owned.Clone();
            if (partition < owned.Length)
            {
                owned[partition] = true;
                _owned = owned;
            }
        }
    }

    internal static string ClientHost(System.Net.EndPoint? remote)
        => remote is System.Net.IPEndPoint ip ? "/" + ip.Address : remote?.ToString() ?? "";

    /// <summary>Kafka's member ids: the client (or group instance) id, a dash and a UUID.</summary>
    private static string NewMemberId(string clientId, string? groupInstanceId)
        => (groupInstanceId ?? clientId) + "-" + Guid.NewGuid().ToString();
}
