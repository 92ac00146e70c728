using Microsoft.Extensions.Logging;

namespace Platform.Cluster;

/// <summary>The controller's settings, with Kafka's names.</summary>
public sealed record ControllerSettings
{
    /// <summary><c>unclean.leader.election.enable</c>: elect a replica outside the ISR when no ISR member is alive (may lose records).</summary>
    public bool UncleanLeaderElection { get; init; }

    /// <summary><c>auto.leader.rebalance.enable</c>.</summary>
    public bool AutoLeaderRebalance { get; init; } = true;

    /// <summary><c>leader.imbalance.per.broker.percentage</c>.</summary>
    public int LeaderImbalancePerBrokerPercentage { get; init; } = 10;

    /// <summary><c>leader.imbalance.check.interval.seconds</c>.</summary>
    public TimeSpan LeaderImbalanceCheckInterval { get; init; } = TimeSpan.FromSeconds(300);
}

/// <summary>
/// The controller, run by every broker of a cluster and active in the one that wins the campaign in etcd: it
/// watches the registered brokers and, when one goes or comes, elects leaders from the ISR (see
/// <see cref="LeaderElection"/>); it creates and deletes topics with Kafka's replica placement, runs preferred
/// and unclean elections on request and, when enabled, moves leadership back to the preferred replicas. Every
/// write is fenced by its epoch, so a controller whose lease ran out can't undo its successor's decisions; when
/// that happens it campaigns again like any other broker.
/// </summary>
public sealed partial class ClusterController
{
    private readonly EtcdClusterStore _store;
    private readonly BrokerSession _session;
    private readonly ControllerSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly HashSet<int> _alive = []; // registered and not shutting down: eligible to lead and to be in an ISR
    private readonly Dictionary<int, BrokerRegistration> _brokers = [];
    private readonly Dictionary<string, Versioned<TopicAssignment>> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Topic, int Partition), Versioned<PartitionState>> _states = [];
    private long _epoch;

    public ClusterController(EtcdClusterStore store, BrokerSession session, ControllerSettings settings, ILogger logger)
    {
        _store = store;
        _session = session;
        _settings = settings;
        _logger = logger;
    }

    /// <summary>The epoch while this broker is the active controller, else 0.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool IsActive => Epoch != 0;

    /// <summary>The brokers registered as this controller last saw them (empty while not active).</summary>
    public IReadOnlyList<BrokerRegistration> LiveBrokers
    {
        get
        {
            lock (_brokers)
            {
                return IsActive ? [.. _brokers.Values.OrderBy(b => b.Id)] : [];
            }
        }
    }

    /// <summary>Campaigns, serves as controller while elected, and campaigns again when deposed, until cancelled or the broker's session is lost.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _session.Lost);
        var token = linked.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var epoch = await _store.CampaignAsync(_session, token).ConfigureAwait(false);
                LogElected(_session.Registration.Id, epoch);
                await ServeAsync(epoch, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (NotControllerException ex)
            {
                LogDeposed(ex.Message);
            }
            catch (ClusterException ex)
            {
                // etcd unreachable or a watch compacted: start the term again from a fresh read.
                LogTermFailed(ex);
                await Task.Delay(TimeSpan.FromMilliseconds(500), token).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _epoch, 0);
            }
        }
    }

    /// <summary>
    /// Runs a request's <paramref name="operation"/> under the controller's lock with its epoch (which fences
    /// its etcd writes): NOT_CONTROLLER when this broker is not the controller, or stops being it meanwhile.
    /// </summary>
    private async Task<ClusterResult> AsControllerAsync(Func<long, Task<ClusterResult>> operation, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var epoch = Epoch;
            return epoch == 0
                ? new ClusterResult(ClusterError.NotController, "This broker is not the controller.")
                : await operation(epoch).ConfigureAwait(false);
        }
        catch (NotControllerException ex)
        {
            return new ClusterResult(ClusterError.NotController, ex.Message);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ServeAsync(long epoch, CancellationToken cancellationToken)
    {
        long brokersRevision, statesRevision;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (brokers, revision) = await _store.GetBrokersAsync(cancellationToken).ConfigureAwait(false);
            brokersRevision = revision;
            lock (_brokers)
            {
                _brokers.Clear();
                _alive.Clear();
                foreach (var broker in brokers)
                {
                    _brokers[broker.Id] = broker;
                    if (!broker.ShuttingDown)
                    {
                        _alive.Add(broker.Id);
                    }
                }
            }

            _topics.Clear();
            foreach (var (name, topic) in (await _store.GetTopicsAsync(cancellationToken).ConfigureAwait(false)).Topics)
            {
                _topics[name] = topic;
            }

            var (states, stateRevision) = await _store.GetPartitionStatesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            statesRevision = stateRevision;
            _states.Clear();
            foreach (var (key, state) in states)
            {
                _states[key] = state;
            }

            Volatile.Write(ref _epoch, epoch);
            await ReconcileAsync(epoch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }

        using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>
        {
            _store.WatchBrokersAsync(brokersRevision + 1, (id, registration) => OnBrokerChangedAsync(epoch, id, registration, term.Token), term.Token),
            _store.WatchPartitionStatesAsync(statesRevision + 1, (topic, partition, state) => OnPartitionStateChangedAsync(epoch, topic, partition, state, term.Token), term.Token),
        };
        if (_settings.AutoLeaderRebalance)
        {
            tasks.Add(RebalanceLoopAsync(epoch, term.Token));
        }

        try
        {
            // Each runs until cancelled; the first to fail (deposed, etcd lost) ends the term.
            await await Task.WhenAny(tasks).ConfigureAwait(false);
        }
        finally
        {
            await term.CancelAsync().ConfigureAwait(false);
            // The others end with the term; whatever they fail with then (etcd going away under a watch) is observed
            // here, not left to the finalizer as an unobserved task exception.
            await Task.WhenAll(tasks.Select(t => t.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default))).ConfigureAwait(false);
        }
    }

    private async ValueTask OnBrokerChangedAsync(long epoch, int id, BrokerRegistration? registration, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_brokers)
            {
                if (registration is null)
                {
                    _brokers.Remove(id);
                    _alive.Remove(id);
                }
                else
                {
                    _brokers[id] = registration;
                    // A broker in controlled shutdown is still registered but no longer eligible: its
                    // leadership moves away and it leaves the ISRs, as if it had gone.
                    if (registration.ShuttingDown)
                    {
                        _alive.Remove(id);
                    }
                    else
                    {
                        _alive.Add(id);
                    }
                }
            }

            if (registration is null)
            {
                LogBrokerLeft(id);
            }
            else if (registration.OfflineReplicas is { Length: > 0 } offline)
            {
                LogReplicasOffline(id, offline.Length);
            }
            else if (registration.ShuttingDown)
            {
                LogBrokerShuttingDown(id);
            }
            else
            {
                LogBrokerJoined(id, registration.Host, registration.Port);
            }

            await ReconcileAsync(epoch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask OnPartitionStateChangedAsync(
        long epoch, string topic, int partition, Versioned<PartitionState>? state, CancellationToken cancellationToken)
    {
        // Leaders change their ISR themselves; keep the newest state so the next decision starts from it. A
        // reassigned partition whose new replicas have all joined the ISR can now complete.
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (state is { } s)
            {
                if (!_states.TryGetValue((topic, partition), out var known) || known.ModRevision < s.ModRevision)
                {
                    _states[(topic, partition)] = s;
                }

                await TryCompleteReassignmentAsync(epoch, topic, partition, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _states.Remove((topic, partition));
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Applies <see cref="LeaderElection.OnBrokersChanged"/> to every partition. Called under the lock.</summary>
    private async Task ReconcileAsync(long epoch, CancellationToken cancellationToken)
    {
        foreach (var ((topic, partition), state) in _states.ToArray())
        {
            if (!_topics.TryGetValue(topic, out var assignment) || partition >= assignment.Value.Replicas.Length)
            {
                continue;
            }

            var eligible = EligibleFor(topic, partition);
            await UpdateAsync(epoch, topic, partition, state, s => LeaderElection.OnBrokersChanged(
                assignment.Value.Replicas[partition], s, eligible, _settings.UncleanLeaderElection, epoch), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The brokers that may lead or be in the ISR of one partition (as the watch shows them). Called under the lock.</summary>
    private HashSet<int> EligibleFor(string topic, int partition) => Eligible(_alive, _brokers.Values, topic, partition);

    /// <summary>
    /// Of the <paramref name="alive"/> brokers, those that may lead or be in the ISR of one partition: not those whose
    /// registration reports that replica's log offline (Kafka's failed log directory), for which the broker is as good as gone.
    /// </summary>
    private static HashSet<int> Eligible(HashSet<int> alive, IEnumerable<BrokerRegistration> brokers, string topic, int partition)
    {
        HashSet<int>? eligible = null;
        foreach (var broker in brokers)
        {
            if (broker.HasOffline(topic, partition) && alive.Contains(broker.Id))
            {
                (eligible ??= [.. alive]).Remove(broker.Id);
            }
        }

        return eligible ?? alive;
    }

    /// <summary>
    /// Writes the state <paramref name="decide"/> makes of the partition's current one; if a leader changed the
    /// state in between (the compare-and-swap fails), reads it again and decides again. Called under the lock.
    /// </summary>
    private async Task<PartitionState?> UpdateAsync(
        long epoch, string topic, int partition, Versioned<PartitionState> current, Func<PartitionState, PartitionState?> decide, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = decide(current.Value);
            if (next is null)
            {
                return null;
            }

            var revision = await _store.TryUpdatePartitionStateAsync(topic, partition, next, current.ModRevision, epoch, cancellationToken).ConfigureAwait(false);
            if (revision is { } r)
            {
                _states[(topic, partition)] = new Versioned<PartitionState>(next, r);
                if (next.Leader != current.Value.Leader)
                {
                    LogLeaderChanged(topic, partition, current.Value.Leader, next.Leader, next.LeaderEpoch, next.Isr);
                }

                return next;
            }

            if (await _store.GetPartitionStateAsync(topic, partition, cancellationToken).ConfigureAwait(false) is not { } reread)
            {
                _states.Remove((topic, partition));
                return null;
            }

            current = reread;
        }
    }

    private async Task RebalanceLoopAsync(long epoch, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_settings.LeaderImbalanceCheckInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await RebalanceLeadersAsync(epoch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round of automatic leader rebalancing: a preferred election for the partitions of each broker over the imbalance threshold.</summary>
    internal async Task RebalanceLeadersAsync(long epoch, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var partitions = _states
                .Where(s => _topics.TryGetValue(s.Key.Topic, out var t) && s.Key.Partition < t.Value.Replicas.Length)
                .Select(s => (s.Key, Replicas: _topics[s.Key.Topic].Value.Replicas[s.Key.Partition], s.Value))
                .ToArray();
            var imbalance = LeaderElection.Imbalance(partitions.Select(p => (p.Replicas, p.Value.Value)), _alive);
            foreach (var (key, replicas, state) in partitions)
            {
                if (imbalance.GetValueOrDefault(replicas[0]) > _settings.LeaderImbalancePerBrokerPercentage)
                {
                    var eligible = EligibleFor(key.Topic, key.Partition);
                    await UpdateAsync(epoch, key.Topic, key.Partition, state, s => LeaderElection.Preferred(replicas, s, eligible, epoch).State, cancellationToken)
                        .ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Broker {BrokerId} is now the controller (epoch {Epoch})")]
    private partial void LogElected(int brokerId, long epoch);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "No longer the controller: {Reason}")]
    private partial void LogDeposed(string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Controller term ended; campaigning again")]
    private partial void LogTermFailed(Exception exception);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Broker {BrokerId} left the cluster")]
    private partial void LogBrokerLeft(int brokerId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Broker {BrokerId} joined the cluster at {Host}:{Port}")]
    private partial void LogBrokerJoined(int brokerId, string host, int port);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "Broker {BrokerId} is shutting down: moving its leadership away")]
    private partial void LogBrokerShuttingDown(int brokerId);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Broker {BrokerId} reports {Count} replicas offline (log I/O errors): moving their leadership away")]
    private partial void LogReplicasOffline(int brokerId, int count);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information,
        Message = "{Topic}-{Partition}: leader {OldLeader} -> {NewLeader} (leader epoch {LeaderEpoch}, ISR {Isr})")]
    private partial void LogLeaderChanged(string topic, int partition, int oldLeader, int newLeader, int leaderEpoch, int[] isr);
}
