using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Broker.Groups;
using Platform.Broker.Replication;
using Platform.Cluster;
using Platform.Storage;

namespace Platform.Broker.Cluster;

/// <summary>
/// Makes this broker one of a cluster (only when <c>etcd.endpoints</c> is set): registers it in etcd under a lease,
/// campaigns for the controller role and runs the <see cref="ClusterController"/> while elected, and watches the
/// cluster's state to apply it here: the partitions assigned to this broker get a local replica and their role
/// (leader or follower, through the <see cref="IReplicaManager"/>), those moved away or deleted lose it, and the
/// <see cref="ClusterMetadata"/> that requests read is kept current. On stop it moves its leadership away first (a
/// controlled shutdown). When its etcd session is lost it stops leading at once, says so loudly, and registers again.
/// </summary>
public sealed partial class ClusterService(
    IOptions<BrokerOptions> options,
    ClusterInfo info,
    ClusterMetadata metadata,
    TopicManager topics,
    IReplicaManager replicas,
    ClusterIsrStore isrStore,
    BrokerService broker,
    ILogger<ClusterService> logger,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly SemaphoreSlim _reportLock = new(1, 1);
    private EtcdClusterStore? _store;
    private BrokerSession? _session;
    private ClusterController? _controller;
    private Task? _run;
    private int _disposed;
    private ClusterSnapshot _state = new(new Dictionary<int, BrokerRegistration>(), null, new Dictionary<string, TopicAssignment>(), new Dictionary<(string, int), PartitionState>(), new Dictionary<string, IReadOnlyDictionary<string, string>>(), 0);

    private BrokerOptions Options => options.Value;

    private int NodeId => info.NodeId;

    private TimeSpan SessionTtl => TimeSpan.FromMilliseconds(Options.BrokerSessionTimeoutMs);

    /// <summary>The controller when this broker is the active one, else null.</summary>
    public ClusterController? ActiveController => _controller is { IsActive: true } controller ? controller : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Options.IsClustered)
        {
            return;
        }

        _store = EtcdClusterStore.Connect(EtcdEndpoints.Parse(Options.EtcdEndpoints!));
        isrStore.Connect(_store);
        info.JoinCluster(await _store.GetOrCreateClusterIdAsync(info.ClusterId, cancellationToken).ConfigureAwait(false));
        _session = await RegisterAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = await _store.LoadClusterAsync(cancellationToken).ConfigureAwait(false);
        await ApplySnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
        topics.DeleteLogsNotAssigned((topic, partition) => snapshot.Topics.TryGetValue(topic, out var t)
            && partition < t.Replicas.Length && t.Replicas[partition].Contains(NodeId));
        topics.PartitionWentOffline += () => _ = ReportOfflineReplicasAsync();
        await ReportOfflineReplicasAsync().ConfigureAwait(false);
        LogJoined(NodeId, Options.EtcdEndpoints!, _state.Brokers.Count);
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

        // Clients are served from here on, with the cluster's topics and leaders known (as Kafka's broker serves once caught up).
        broker.Accept();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_session is { } session && !session.Lost.IsCancellationRequested)
        {
            // A controlled shutdown: the controller moves our leaderships to other in-sync replicas while we still serve.
            try
            {
                var left = await session.ShutDownAsync(TimeSpan.FromSeconds(Math.Min(30, SessionTtl.TotalSeconds * 2)), cancellationToken).ConfigureAwait(false);
                if (left.Count > 0)
                {
                    LogShutdownIncomplete(left.Count);
                }
            }
            catch (Exception e) when (e is ClusterException or OperationCanceledException)
            {
                LogShutdownFailed(e);
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        await DisposeSessionAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types (itself and IHostedService): a host's container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Disposed without StopAsync (a container torn down without the host stopping it, as EmbeddedBroker's is): the
        // session loop must end first. Left running, it takes the revoked session for a lost one, disposes it again and
        // registers anew, and its controller calls the store disposed below: faults in a task nobody awaits.
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await IgnoreFailure(_run).ConfigureAwait(false);
        }

        await DisposeSessionAsync().ConfigureAwait(false);
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task DisposeSessionAsync()
    {
        if (Interlocked.Exchange(ref _session, null) is { } session)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the replicas hosted here whose log is offline into this broker's registration (Kafka's failed log
    /// directories in its heartbeat), so the controller moves their leadership to another ISR member; retried while
    /// etcd fails, for as long as the session lives (a new session reports again).
    /// </summary>
    private async Task ReportOfflineReplicasAsync()
    {
        try
        {
            await _reportLock.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                while (_session is { } session && !session.Lost.IsCancellationRequested)
                {
                    var offline = topics.Topics.SelectMany(t => t.Partitions.Where(p => p.IsOffline).Select(p => new ReplicaRef(t.Name, p.Index))).ToHashSet();
                    if (offline.SetEquals(session.Registration.OfflineReplicas ?? []))
                    {
                        return;
                    }

                    try
                    {
                        await session.ReportOfflineReplicasAsync(offline, _stop.Token).ConfigureAwait(false);
                        LogOfflineReported(offline.Count);
                        return;
                    }
                    catch (ClusterException e)
                    {
                        LogOfflineReportFailed(e);
                        await Task.Delay(TimeSpan.FromMilliseconds(500), _stop.Token).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _reportLock.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <summary>Registers this broker; a registration of its own previous run (killed, lease not yet expired) is waited out.</summary>
    private async Task<BrokerSession> RegisterAsync(CancellationToken cancellationToken)
    {
        var registration = new BrokerRegistration(NodeId, info.AdvertisedHost, info.AdvertisedPort, Options.BrokerRack);
        var deadline = DateTime.UtcNow + (SessionTtl * 2) + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                return await _store!.RegisterBrokerAsync(registration, SessionTtl, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterException e) when (DateTime.UtcNow < deadline)
            {
                LogRegisterRetry(e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One session at a time: the controller campaign and the watch run until the session is lost, then the broker registers again.</summary>
    private async Task RunAsync(CancellationToken stopping)
    {
        var revision = _state.Revision;
        while (!stopping.IsCancellationRequested)
        {
            var session = _session;
            if (session is null)
            {
                return;
            }

            // The controller campaigns and serves for as long as the session lives; the watch may restart under it.
            using var term = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.Lost);
            _controller = new ClusterController(_store!, session, ControllerSettings(), loggerFactory.CreateLogger<ClusterController>());
            var controller = _controller.RunAsync(term.Token);
            while (!term.IsCancellationRequested)
            {
                try
                {
                    await _store!.WatchClusterAsync(revision + 1, changes => ApplyChangesAsync(changes, term.Token), term.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (term.IsCancellationRequested)
                {
                    break;
                }
                catch (ClusterException e)
                {
                    // A compacted watch or an etcd failure: read the whole state again and watch from there.
                    LogWatchFailed(e);
                }

                revision = await ReloadAsync(revision, term.Token).ConfigureAwait(false);
            }

            await term.CancelAsync().ConfigureAwait(false);
            await IgnoreFailure(controller).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            LogSessionLost(NodeId);
            await StepDownAsync(stopping).ConfigureAwait(false);
            if (await TryReregisterAsync(session, stopping).ConfigureAwait(false) is not { } fresh)
            {
                return;
            }

            _session = fresh;
            revision = await ReloadAsync(revision, stopping).ConfigureAwait(false);
            _ = ReportOfflineReplicasAsync();
        }
    }

    /// <summary>Reads the whole cluster state and applies it; returns the revision to watch from (the old one if etcd failed).</summary>
    private async Task<long> ReloadAsync(long revision, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await _store!.LoadClusterAsync(cancellationToken).ConfigureAwait(false);
            await ApplySnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
            return snapshot.Revision;
        }
        catch (ClusterException e)
        {
            LogWatchFailed(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return revision;
        }

        // etcd failed: a pause before the watch tries again, so an unreachable etcd is not polled in a tight loop.
        await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken)).ConfigureAwait(false);
        return revision;
    }

    private async Task<BrokerSession?> TryReregisterAsync(BrokerSession lost, CancellationToken stopping)
    {
        await lost.DisposeAsync().ConfigureAwait(false);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var session = await RegisterAsync(stopping).ConfigureAwait(false);
                LogReregistered(NodeId);
                return session;
            }
            catch (ClusterException e)
            {
                LogRegisterRetry(e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static async Task IgnoreFailure(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ClusterException)
        {
            // The term ended with its session; the controller campaigns again in the next one.
        }
    }

    private ControllerSettings ControllerSettings() => new()
    {
        UncleanLeaderElection = Options.TopicDefaults.TryGetValue(Storage.LogConfig.UncleanLeaderElectionEnableConfig, out var unclean)
            && bool.TryParse(unclean, out var allowed) && allowed,
        AutoLeaderRebalance = Options.AutoLeaderRebalanceEnable,
        LeaderImbalancePerBrokerPercentage = Options.LeaderImbalancePerBrokerPercentage,
        LeaderImbalanceCheckInterval = TimeSpan.FromSeconds(Options.LeaderImbalanceCheckIntervalSeconds),
    };

    /// <summary>Without a session this broker may be fenced at any moment: every partition it leads stops taking writes.</summary>
    private async Task StepDownAsync(CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var topic in topics.Topics)
            {
                foreach (var partition in topic.Partitions.Where(p => p.Role.IsLeader(NodeId)))
                {
                    await replicas.ApplyRoleAsync(partition, partition.Role with { Leader = LeaderElection.NoLeader }, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private async Task ApplySnapshotAsync(ClusterSnapshot snapshot, CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = _state;
            _state = snapshot;
            var touched = before.Topics.Keys.Concat(snapshot.Topics.Keys).ToHashSet(StringComparer.Ordinal);
            await ApplyAsync(touched, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private async ValueTask ApplyChangesAsync(IReadOnlyList<ClusterChange> changes, CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var brokers = new Dictionary<int, BrokerRegistration>(_state.Brokers);
            var controller = _state.Controller;
            var assignments = new Dictionary<string, TopicAssignment>(_state.Topics, StringComparer.Ordinal);
            var states = new Dictionary<(string, int), PartitionState>(_state.States);
            var brokerConfigs = new Dictionary<string, IReadOnlyDictionary<string, string>>(_state.BrokerConfigs, StringComparer.Ordinal);
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var change in changes)
            {
                switch (change)
                {
                    case ClusterChange.Broker { Registration: null } gone:
                        brokers.Remove(gone.Id);
                        break;
                    case ClusterChange.Broker { Registration: { } registration } broker:
                        brokers[broker.Id] = registration;
                        break;
                    case ClusterChange.Controller c:
                        controller = c.BrokerId is { } id ? (id, c.Epoch) : null;
                        break;
                    case ClusterChange.Topic topic:
                        touched.Add(topic.Name);
                        if (topic.Assignment is { } assignment)
                        {
                            assignments[topic.Name] = assignment;
                        }
                        else
                        {
                            assignments.Remove(topic.Name);
                        }

                        break;
                    case ClusterChange.Partition partition:
                        touched.Add(partition.TopicName);
                        if (partition.State is { } state)
                        {
                            states[(partition.TopicName, partition.Index)] = state;
                        }
                        else
                        {
                            states.Remove((partition.TopicName, partition.Index));
                        }

                        break;
                    case ClusterChange.BrokerConfigs { Configs: { } configs } named:
                        brokerConfigs[named.Name] = configs;
                        break;
                    case ClusterChange.BrokerConfigs gone:
                        brokerConfigs.Remove(gone.Name);
                        break;
                }
            }

            _state = new ClusterSnapshot(brokers, controller, assignments, states, brokerConfigs, _state.Revision);
            await ApplyAsync(touched, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>
    /// Brings the local replicas of <paramref name="touchedTopics"/> in line with the new state, then publishes it as the
    /// view requests read. Called under the apply lock. In this order a client never sees a leadership or ISR that the
    /// partitions here do not act on yet: a producer told that the ISR shrank below min.insync.replicas is refused
    /// before the append (NOT_ENOUGH_REPLICAS), not appended under the old ISR and failed after it.
    /// </summary>
    private async Task ApplyAsync(HashSet<string> touchedTopics, CancellationToken cancellationToken)
    {
        var state = _state;
        try
        {
            await ApplyRolesAsync(state, touchedTopics, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            metadata.Publish(new ClusterView(
                state.Brokers.ToImmutableSortedDictionary(),
                state.Controller?.BrokerId ?? -1,
                state.Topics.ToImmutableSortedDictionary(StringComparer.Ordinal),
                state.States.ToImmutableDictionary())
            {
                BrokerConfigs = state.BrokerConfigs.ToImmutableDictionary(StringComparer.Ordinal),
            });
        }
    }

    private async Task ApplyRolesAsync(ClusterSnapshot state, HashSet<string> touchedTopics, CancellationToken cancellationToken)
    {
        replicas.UpdateBrokers(state.Brokers.Values.Where(b => !b.ShuttingDown || b.Id == NodeId)
            .ToDictionary(b => b.Id, b => new BrokerEndpoint(b.Id, b.Host, b.Port, b.Rack)));

        foreach (var name in touchedTopics.Order(StringComparer.Ordinal))
        {
            state.Topics.TryGetValue(name, out var assignment);
            var hosted = topics.TryGetTopic(name, out var local) ? local.Partitions.ToArray() : [];
            if (local is not null && assignment is not null && local.TopicId != assignment.TopicId)
            {
                // Deleted and created again: the old replicas go, whatever the new assignment.
                await UnhostAsync(name, hosted, cancellationToken).ConfigureAwait(false);
                hosted = [];
            }

            if (assignment is null)
            {
                await UnhostAsync(name, hosted, cancellationToken).ConfigureAwait(false);
                continue;
            }

            topics.ApplyClusterConfigs(name, assignment.Configs);
            for (var p = 0; p < assignment.Replicas.Length; p++)
            {
                var replicaSet = assignment.Replicas[p];
                if (!replicaSet.Contains(NodeId) || !state.States.TryGetValue((name, p), out var partitionState))
                {
                    continue;
                }

                var partition = topics.HostPartition(name, assignment.TopicId, assignment.Configs, assignment.Replicas.Length, p,
                    new PartitionRole(LeaderElection.NoLeader, -1, replicaSet, [], -1));
                var role = new PartitionRole(partitionState.Leader, partitionState.LeaderEpoch, replicaSet, partitionState.Isr, partitionState.PartitionEpoch);
                var old = partition.Role;
                if (old.Leader != role.Leader || old.LeaderEpoch != role.LeaderEpoch || old.PartitionEpoch != role.PartitionEpoch
                    || !old.Replicas.SequenceEqual(role.Replicas) || !old.Isr.SequenceEqual(role.Isr))
                {
                    try
                    {
                        await replicas.ApplyRoleAsync(partition, role, cancellationToken).ConfigureAwait(false);
                    }
                    catch (LogException e)
                    {
                        // One replica's log failing under its new role (a coordinator's replay of a log gone offline, or
                        // closed by a broker stopping) must not end this loop: every later change would go unapplied.
                        // A log gone offline is reported to the controller, which moves the leadership away.
                        LogApplyRoleFailed(e, name, p);
                    }
                }
            }

            await UnhostAsync(name, [.. hosted.Where(h => h.Index >= assignment.Replicas.Length || !assignment.Replicas[h.Index].Contains(NodeId))], cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task UnhostAsync(string topic, IReadOnlyList<Partition> partitions, CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            await replicas.StopReplicaAsync(partition, cancellationToken).ConfigureAwait(false);
            topics.UnhostPartition(topic, partition.Index);
            LogReplicaRemoved(topic, partition.Index);
        }
    }

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Broker {BrokerId} joined the cluster at {Endpoints} ({Brokers} brokers registered)")]
    private partial void LogJoined(int brokerId, string endpoints, int brokers);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Registering in etcd failed, retrying: {Reason}")]
    private partial void LogRegisterRetry(string reason);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Error,
        Message = "Broker {BrokerId} LOST ITS ETCD SESSION: it no longer leads any partition (writes get NOT_LEADER_OR_FOLLOWER) until it has registered again")]
    private partial void LogSessionLost(int brokerId);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Broker {BrokerId} registered again in etcd")]
    private partial void LogReregistered(int brokerId);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning, Message = "Watching the cluster state in etcd failed; reading it again")]
    private partial void LogWatchFailed(Exception exception);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Warning, Message = "Controlled shutdown incomplete: {Count} partitions have no other in-sync replica to lead them")]
    private partial void LogShutdownIncomplete(int count);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Warning, Message = "Controlled shutdown failed; stopping anyway")]
    private partial void LogShutdownFailed(Exception exception);

    [LoggerMessage(EventId = 1608, Level = LogLevel.Warning, Message = "Reported {Count} replicas with their log offline to the controller, which moves their leadership away")]
    private partial void LogOfflineReported(int count);

    [LoggerMessage(EventId = 1609, Level = LogLevel.Warning, Message = "Reporting replicas with their log offline failed; retrying")]
    private partial void LogOfflineReportFailed(Exception exception);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Error, Message = "Taking the new role of replica {Topic}-{Partition} failed in its log")]
    private partial void LogApplyRoleFailed(Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 1607, Level = LogLevel.Information, Message = "Replica {Topic}-{Partition} removed from this broker")]
    private partial void LogReplicaRemoved(string topic, int partition);
}
