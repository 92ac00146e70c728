using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Transactions;

namespace Platform.Broker.Replication;

/// <summary>
/// This broker's side of replication (<see cref="IReplicaManager"/>): as leader of a partition with followers
/// it keeps a <see cref="LeaderState"/> (the ISR and high watermark), and checks every half
/// <c>replica.lag.time.max.ms</c> for followers that fell out of sync; as follower it hands the partition to
/// the <see cref="ReplicaFetcher"/> of its leader broker (one connection per source broker). Role changes
/// are applied one at a time. The group and transaction coordinators serve the <c>__consumer_offsets</c> and
/// <c>__transaction_state</c> partitions this broker leads: they load one's state from the log on becoming its
/// leader and drop it on losing it.
/// </summary>
public sealed partial class ReplicaManager : IReplicaManager, IAsyncDisposable
{
    private readonly int _nodeId;
    private readonly IIsrStore? _isrStore;
    private readonly ReplicationThrottle _throttle;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<ReplicaManager> _logger;
    private readonly ReplicaFetcherSettings _fetcherSettings;
    private readonly TimeSpan _maxLag;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly Dictionary<Partition, int> _following = [];
    private readonly HashSet<Partition> _leading = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _lagCheck;
    private int _disposed;
    private volatile IReadOnlyDictionary<int, BrokerEndpoint> _brokers = new Dictionary<int, BrokerEndpoint>();

    /// <param name="isrStore">Where ISR changes are recorded (etcd in a cluster); required once this broker leads a partition with followers.</param>
    public ReplicaManager(ClusterInfo cluster, IOptions<BrokerOptions> options, GroupCoordinator groups, TransactionCoordinator transactions, ReplicationThrottle throttle, TimeProvider time, ILoggerFactory loggers, IIsrStore? isrStore = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var settings = options.Value;
        _nodeId = cluster.NodeId;
        _throttle = throttle;
        _isrStore = isrStore;
        _groups = groups;
        _transactions = transactions;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ReplicaManager>();
        _maxLag = TimeSpan.FromMilliseconds(settings.ReplicaLagTimeMaxMs);
        _fetcherSettings = new ReplicaFetcherSettings(
            settings.ReplicaFetchWaitMaxMs, settings.ReplicaFetchMaxBytes, settings.ReplicaFetchResponseMaxBytes, TimeSpan.FromMilliseconds(settings.ReplicaFetchBackoffMs));
        _lagCheck = Task.Run(CheckLagAsync);
    }

    /// <summary>Partitions this broker leads with followers whose ISR is smaller than their replica set (the under-replicated-partitions metric).</summary>
    public int UnderReplicatedPartitions
    {
        get
        {
            lock (_lock)
            {
                return _leading.Count(p => p.Role.Isr.Count < p.Role.Replicas.Count);
            }
        }
    }

    public Task ApplyRoleAsync(Partition partition, PartitionRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(role);
        lock (_lock)
        {
            if (partition.IsOffline)
            {
                // Nothing to lead or fetch into (a leadership held when the log went offline ends here); the metadata
                // still tells clients where the partition is.
                StopFollowing(partition);
                StopLeading(partition);
                partition.Role = role;
            }
            else if (role.IsLeader(_nodeId))
            {
                BecomeLeader(partition, role);
            }
            else
            {
                BecomeFollower(partition, role);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopReplicaAsync(Partition partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        lock (_lock)
        {
            StopFollowing(partition);
            StopLeading(partition);
            UnloadCoordinator(partition);
        }

        return Task.CompletedTask;
    }

    public void UpdateBrokers(IReadOnlyDictionary<int, BrokerEndpoint> brokers)
    {
        ArgumentNullException.ThrowIfNull(brokers);
        lock (_lock)
        {
            _brokers = brokers;
            foreach (var (leader, fetcher) in _fetchers)
            {
                fetcher.UpdateLeader(brokers.GetValueOrDefault(leader));
            }

            foreach (var partition in _leading)
            {
                partition.Leader?.OnLiveBrokersChanged();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so disposed twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        List<ReplicaFetcher> fetchers;
        lock (_lock)
        {
            fetchers = [.. _fetchers.Values];
            _fetchers.Clear();
            foreach (var partition in _leading.ToList())
            {
                StopLeading(partition);
            }
        }

        foreach (var fetcher in fetchers)
        {
            await fetcher.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _lagCheck.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private void BecomeLeader(Partition partition, PartitionRole role)
    {
        var current = partition.Role;
        var sameLeadership = current.IsLeader(_nodeId) && current.LeaderEpoch == role.LeaderEpoch && current.Replicas.SequenceEqual(role.Replicas);
        if (sameLeadership && (partition.Leader is not null || role.Replicas.Count == 1))
        {
            // An ISR change (ours, or the controller's) under the same leadership; one we already hold (our own
            // accepted change came back) or an older one is no news.
            if (role.PartitionEpoch <= current.PartitionEpoch)
            {
                return;
            }

            if (partition.Leader is { } leader)
            {
                leader.OnRoleUpdated(role);
            }
            else
            {
                partition.Role = role;
            }

            return;
        }

        StopFollowing(partition);
        StopLeading(partition);
        var log = partition.Log;
        log.AssignEpochAtLogEnd(role.LeaderEpoch);
        if (role.Replicas.Count > 1)
        {
            var store = _isrStore ?? throw new InvalidOperationException($"Leading {partition.Topic.Name}-{partition.Index} with followers needs an ISR store (a cluster).");

            // The replication state first: once the role says leader, appends come, and acks=all ones must find it.
            partition.Leader = new LeaderState(partition, role, _nodeId, store, _time, _loggers.CreateLogger<LeaderState>(), IsAlive);
            _leading.Add(partition);
        }
        else
        {
            log.SetReplicatedHighWatermark(long.MaxValue);
        }

        partition.Role = role;

        // Whatever was loaded before (at start, or under an older leadership) is replaced by the log's state.
        UnloadCoordinator(partition);
        if (partition.Topic.Name == GroupCoordinator.TopicName)
        {
            _groups.LoadPartition(partition.Index);
        }
        else if (partition.Topic.Name == TransactionCoordinator.TopicName)
        {
            _transactions.LoadPartition(partition.Index, role.LeaderEpoch);
        }

        LogBecameLeader(partition.Topic.Name, partition.Index, role.LeaderEpoch, role.Isr, log.LogEndOffset);
    }

    private void BecomeFollower(Partition partition, PartitionRole role)
    {
        var current = partition.Role;
        var sameLeadership = _following.TryGetValue(partition, out var leader) && leader == role.Leader && current.LeaderEpoch == role.LeaderEpoch;
        partition.Role = role;
        if (sameLeadership)
        {
            return;
        }

        StopLeading(partition);
        StopFollowing(partition);
        UnloadCoordinator(partition);

        var log = partition.Log;
        if (log.ReplicatedHighWatermark == long.MaxValue)
        {
            // Until the leader says so, what this replica knew before (the checkpoint after a restart; a follower serves no consumers).
            log.SetReplicatedHighWatermark(log.StartingHighWatermark);
        }

        if (role.Leader < 0)
        {
            // No leader now (all of the ISR is gone): wait for the controller to elect one.
            return;
        }

        if (!_fetchers.TryGetValue(role.Leader, out var fetcher))
        {
            fetcher = new ReplicaFetcher(_nodeId, _brokers.GetValueOrDefault(role.Leader), _fetcherSettings, _throttle, _time, _loggers.CreateLogger<ReplicaFetcher>());
            _fetchers[role.Leader] = fetcher;
        }

        fetcher.Add(partition, role.LeaderEpoch);
        _following[partition] = role.Leader;
        LogBecameFollower(partition.Topic.Name, partition.Index, role.Leader, role.LeaderEpoch, log.LogEndOffset);
    }

    /// <summary>Whether broker <paramref name="id"/> is among the live ones the cluster last listed (read without the lock by leaders).</summary>
    private bool IsAlive(int id) => _brokers.ContainsKey(id);

    private void UnloadCoordinator(Partition partition)
    {
        if (partition.Topic.Name == GroupCoordinator.TopicName)
        {
            _groups.UnloadPartition(partition.Index);
        }
        else if (partition.Topic.Name == TransactionCoordinator.TopicName)
        {
            _transactions.UnloadPartition(partition.Index);
        }
    }

    private void StopFollowing(Partition partition)
    {
        if (_following.Remove(partition, out var leader) && _fetchers.TryGetValue(leader, out var fetcher))
        {
            fetcher.Remove(partition);
        }
    }

    private void StopLeading(Partition partition)
    {
        if (partition.Leader is { } state)
        {
            partition.Leader = null;
            state.Resign();
        }

        _leading.Remove(partition);
    }

    private async Task CheckLagAsync()
    {
        var interval = TimeSpan.FromTicks(Math.Max(_maxLag.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            List<LeaderState> leaders;
            lock (_lock)
            {
                leaders = [.. _leading.Select(p => p.Leader).OfType<LeaderState>()];
            }

            foreach (var leader in leaders)
            {
                leader.ShrinkIsrIfLagging(_maxLag);
            }
        }
    }

    [LoggerMessage(EventId = 1720, Level = LogLevel.Information, Message = "Leading {Topic}-{Partition} at leader epoch {LeaderEpoch} with ISR {Isr} from offset {LogEndOffset}")]
    private partial void LogBecameLeader(string topic, int partition, int leaderEpoch, IReadOnlyList<int> isr, long logEndOffset);

    [LoggerMessage(EventId = 1721, Level = LogLevel.Information, Message = "Following {Topic}-{Partition} from leader {Leader} at leader epoch {LeaderEpoch} from offset {LogEndOffset}")]
    private partial void LogBecameFollower(string topic, int partition, int leader, int leaderEpoch, long logEndOffset);
}
