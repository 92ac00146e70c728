namespace Platform.Cluster;

/// <summary>Why a controller request did not do what was asked; the broker answers with the Kafka error of the same name.</summary>
public enum ClusterError
{
    None,
    NotController,
    TopicAlreadyExists,
    UnknownTopicOrPartition,
    InvalidPartitions,
    InvalidReplicationFactor,
    InvalidReplicaAssignment,
    ElectionNotNeeded,
    PreferredLeaderNotAvailable,
    EligibleLeadersNotAvailable,
    NoReassignmentInProgress,
}

/// <summary>The outcome of a controller request: <see cref="ClusterError.None"/>, or an error and a message for the client.</summary>
public readonly record struct ClusterResult(ClusterError Error, string? Message = null)
{
    public static ClusterResult Ok => default;

    public bool Succeeded => Error == ClusterError.None;
}

public sealed partial class ClusterController
{
    /// <summary>
    /// Creates a topic: replicas placed over the live brokers like Kafka (rack-aware when every broker has a
    /// rack) unless <paramref name="assignment"/> gives them, the first live replica of each partition leading.
    /// With <paramref name="validateOnly"/> it only says whether it would (CreateTopics' validate_only).
    /// </summary>
    public async Task<ClusterResult> CreateTopicAsync(
        string topic, int partitions, short replicationFactor, IReadOnlyList<int[]>? assignment = null,
        IReadOnlyDictionary<string, string>? configs = null, bool validateOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return await AsControllerAsync(
            async epoch =>
            {
                if (_topics.ContainsKey(topic))
                {
                    return new ClusterResult(ClusterError.TopicAlreadyExists, $"Topic '{topic}' already exists.");
                }

                var brokers = await RegisteredBrokersAsync(cancellationToken).ConfigureAwait(false);
                int[][] replicas;
                if (assignment is not null)
                {
                    if (brokers.Validate(assignment) is { } error)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicaAssignment, error);
                    }

                    replicas = [.. assignment];
                }
                else if (partitions <= 0)
                {
                    return new ClusterResult(ClusterError.InvalidPartitions, $"Number of partitions must be larger than 0, not {partitions}.");
                }
                else if (replicationFactor <= 0 || replicationFactor > brokers.Alive.Count)
                {
                    return new ClusterResult(
                        ClusterError.InvalidReplicationFactor,
                        $"Replication factor: {replicationFactor} larger than available brokers: {brokers.Alive.Count}.");
                }
                else
                {
                    try
                    {
                        replicas = [.. ReplicaPlacement.Assign(brokers.ForPlacement, partitions, replicationFactor)];
                    }
                    catch (ArgumentException ex)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicaAssignment, ex.Message);
                    }
                }

                if (validateOnly)
                {
                    return ClusterResult.Ok;
                }

                var topicAssignment = new TopicAssignment(Guid.NewGuid(), replicas, configs);
                var states = replicas.Select(r => LeaderElection.Initial(r, brokers.Alive, epoch)).ToArray();
                if (!await _store.CreateTopicAsync(epoch, topic, topicAssignment, states, cancellationToken).ConfigureAwait(false))
                {
                    return new ClusterResult(ClusterError.TopicAlreadyExists, $"Topic '{topic}' already exists.");
                }

                await ReloadTopicAsync(topic, cancellationToken).ConfigureAwait(false);
                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes a topic's config overrides: <paramref name="change"/> gets the current ones and returns the new ones,
    /// or null to change nothing (the caller found them invalid). Run under the controller's lock, so two changes
    /// never overwrite each other.
    /// </summary>
    public async Task<ClusterResult> AlterTopicConfigsAsync(
        string topic, Func<IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>?> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return await AsControllerAsync(
            async epoch =>
            {
                if (!_topics.TryGetValue(topic, out var current))
                {
                    return new ClusterResult(ClusterError.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");
                }

                if (change(current.Value.Configs ?? new Dictionary<string, string>()) is { } next)
                {
                    await WriteAssignmentAsync(epoch, topic, current, current.Value with { Configs = next.Count == 0 ? null : next }, cancellationToken).ConfigureAwait(false);
                }

                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes the dynamic configs of a broker id or <c>&lt;default&gt;</c> (the replication throttle rates): like
    /// <see cref="AlterTopicConfigsAsync"/>, <paramref name="change"/> returns the new set or null to change nothing.
    /// </summary>
    public async Task<ClusterResult> AlterBrokerConfigsAsync(
        string name, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>?> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return await AsControllerAsync(
            async epoch =>
            {
                var current = await _store.GetBrokerConfigsAsync(name, cancellationToken).ConfigureAwait(false);
                if (change(current) is { } next)
                {
                    await _store.SetBrokerConfigsAsync(epoch, name, next, cancellationToken).ConfigureAwait(false);
                }

                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a topic's assignment and partition states (each broker then deletes its replicas' logs).</summary>
    public async Task<ClusterResult> DeleteTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        return await AsControllerAsync(
            async epoch =>
            {
                if (!await _store.DeleteTopicAsync(epoch, topic, cancellationToken).ConfigureAwait(false))
                {
                    return new ClusterResult(ClusterError.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");
                }

                _topics.Remove(topic);
                foreach (var key in _states.Keys.Where(k => k.Topic == topic).ToArray())
                {
                    _states.Remove(key);
                }

                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The ElectLeaders API: a preferred or unclean election for the given partitions (all partitions when null),
    /// with an outcome per partition.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Topic, int Partition), ClusterResult>> ElectLeadersAsync(
        bool preferred, IEnumerable<(string Topic, int Partition)>? partitions, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var epoch = Epoch;
            var keys = partitions?.ToArray() ?? [.. _states.Keys];
            var results = new Dictionary<(string, int), ClusterResult>();

            // The brokers registered now, not the watched copy: an operator's election right after a broker came back
            // must not find it missing, nor one just gone still there (the watch reconciles every partition later anyway).
            // The partitions' states as stored now, too (one read): a leader may have just taken a replica back into the ISR.
            var registered = epoch == 0 ? null : await RegisteredBrokersAsync(cancellationToken).ConfigureAwait(false);
            var stored = epoch == 0 ? null : (await _store.GetPartitionStatesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).States;
            foreach (var key in keys)
            {
                if (epoch == 0)
                {
                    results[key] = new ClusterResult(ClusterError.NotController, "This broker is not the controller.");
                    continue;
                }

                if (!_topics.TryGetValue(key.Topic, out var topic) || key.Partition < 0 || key.Partition >= topic.Value.Replicas.Length
                    || !stored!.TryGetValue(key, out var state))
                {
                    results[key] = new ClusterResult(ClusterError.UnknownTopicOrPartition, $"{key.Topic}-{key.Partition} does not exist.");
                    continue;
                }

                var replicas = topic.Value.Replicas[key.Partition];
                var outcome = ElectionOutcome.NotNeeded;
                var alive = registered!.AliveFor(key.Topic, key.Partition);
                await UpdateAsync(epoch, key.Topic, key.Partition, state, s =>
                {
                    (outcome, var next) = preferred ? LeaderElection.Preferred(replicas, s, alive, epoch) : LeaderElection.Unclean(replicas, s, alive, epoch);
                    return next;
                }, cancellationToken).ConfigureAwait(false);
                results[key] = outcome switch
                {
                    ElectionOutcome.Elected => ClusterResult.Ok,
                    ElectionOutcome.NotNeeded => new ClusterResult(ClusterError.ElectionNotNeeded, "Leader election not needed for the partition."),
                    _ when preferred => new ClusterResult(ClusterError.PreferredLeaderNotAvailable,
                        $"Preferred replica {replicas[0]} is not alive or not in the ISR of {key.Topic}-{key.Partition}."),
                    _ => new ClusterResult(ClusterError.EligibleLeadersNotAvailable, $"No replica of {key.Topic}-{key.Partition} is alive."),
                };
            }

            return results;
        }
        catch (NotControllerException ex)
        {
            return (partitions ?? []).ToDictionary(k => k, _ => new ClusterResult(ClusterError.NotController, ex.Message));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The brokers registered in etcd now, for a request that places replicas or names them (CreateTopics,
    /// CreatePartitions, AlterPartitionReassignments, ElectLeaders): the controller's own copy follows its watch, which
    /// may lag behind what the brokers already show clients (each watches etcd too), so it could refuse a broker that
    /// has just registered or accept one whose registration has gone. The elections the watch itself triggers stay
    /// with the watched copy: each broker change reconciles every partition as it arrives. Called under the lock.
    /// </summary>
    private async Task<RegisteredBrokers> RegisteredBrokersAsync(CancellationToken cancellationToken)
        => new((await _store.GetBrokersAsync(cancellationToken).ConfigureAwait(false)).Brokers);

    /// <summary>The brokers registered at one moment, and those of them that may take replicas (not shutting down).</summary>
    private sealed class RegisteredBrokers(IReadOnlyList<BrokerRegistration> registrations)
    {
        private readonly HashSet<int> _registered = [.. registrations.Select(b => b.Id)];

        public HashSet<int> Alive { get; } = registrations.Where(b => !b.ShuttingDown).Select(b => b.Id).ToHashSet();

        /// <summary>The live brokers that may lead or be in the ISR of one partition (its replica's log not offline there).</summary>
        public HashSet<int> AliveFor(string topic, int partition) => Eligible(Alive, registrations, topic, partition);

        /// <summary>The live brokers in id order, with their racks.</summary>
        public PlacementBroker[] ForPlacement => [.. registrations.Where(b => !b.ShuttingDown).OrderBy(b => b.Id).Select(b => new PlacementBroker(b.Id, b.Rack))];

        /// <summary>A manual assignment names registered brokers, each once per partition, with the same count for every partition; else why not.</summary>
        public string? Validate(IReadOnlyList<int[]> assignment)
        {
            if (assignment.Count == 0)
            {
                return "The replica assignment names no partition.";
            }

            for (var p = 0; p < assignment.Count; p++)
            {
                var replicas = assignment[p];
                if (replicas.Length == 0 || replicas.Length != assignment[0].Length)
                {
                    return $"Partition {p} has {replicas.Length} replicas; every partition needs the same number, at least one.";
                }

                if (replicas.Distinct().Count() != replicas.Length)
                {
                    return $"Partition {p} names a broker twice: {string.Join(',', replicas)}.";
                }

                if (replicas.FirstOrDefault(r => !_registered.Contains(r), -1) is var unknown and not -1)
                {
                    return $"Partition {p} names broker {unknown}, which is not registered.";
                }
            }

            return null;
        }
    }
}
