namespace Platform.Cluster;

public sealed partial class ClusterController
{
    /// <summary>
    /// AlterPartitionReassignments for one partition: move it to <paramref name="target"/> (which may change its
    /// replication factor), or with null cancel the move in progress. The new replicas are added at once; the
    /// move completes (the old ones removed, leadership moved into the target if needed) when every target
    /// replica is in the ISR, which the partition's leader decides as its new followers catch up.
    /// </summary>
    public async Task<ClusterResult> AlterReassignmentAsync(string topic, int partition, int[]? target, CancellationToken cancellationToken = default)
    {
        return await AsControllerAsync(
            async epoch =>
            {
                if (!_topics.TryGetValue(topic, out var current) || partition < 0 || partition >= current.Value.Replicas.Length)
                {
                    return new ClusterResult(ClusterError.UnknownTopicOrPartition, $"{topic}-{partition} does not exist.");
                }

                var ongoing = current.Value.Reassignments?.GetValueOrDefault(partition);
                var original = ongoing?.Original ?? current.Value.Replicas[partition];
                if (target is null)
                {
                    if (ongoing is null)
                    {
                        return new ClusterResult(ClusterError.NoReassignmentInProgress, $"No reassignment of {topic}-{partition} is in progress.");
                    }

                    target = original;
                }
                else if ((await RegisteredBrokersAsync(cancellationToken).ConfigureAwait(false)).Validate([target]) is { } error)
                {
                    return new ClusterResult(ClusterError.InvalidReplicaAssignment, error);
                }

                var reassignments = new Dictionary<int, Reassignment>(current.Value.Reassignments ?? new Dictionary<int, Reassignment>());
                var replicas = (int[][])current.Value.Replicas.Clone();
                if (target.SequenceEqual(original))
                {
                    reassignments.Remove(partition);
                    replicas[partition] = original;
                }
                else
                {
                    var move = new Reassignment(original, target);
                    reassignments[partition] = move;
                    replicas[partition] = move.Replicas;
                }

                // A cancel (or a new target) may drop replicas that had already joined the ISR: they leave it in the same write.
                await WriteReplicasAsync(epoch, topic, current, current.Value with { Replicas = replicas, Reassignments = reassignments }, partition, null, cancellationToken)
                    .ConfigureAwait(false);
                await TryCompleteReassignmentAsync(epoch, topic, partition, cancellationToken).ConfigureAwait(false);
                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ListPartitionReassignments: the moves in progress (all when <paramref name="partitions"/> is null) with replicas, adding and removing.</summary>
    public async Task<IReadOnlyDictionary<(string Topic, int Partition), Reassignment>> ListReassignmentsAsync(
        IEnumerable<(string Topic, int Partition)>? partitions, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wanted = partitions?.ToHashSet();
            var result = new Dictionary<(string, int), Reassignment>();
            foreach (var (topic, assignment) in _topics)
            {
                foreach (var (partition, move) in assignment.Value.Reassignments ?? new Dictionary<int, Reassignment>())
                {
                    if (wanted is null || wanted.Contains((topic, partition)))
                    {
                        result[(topic, partition)] = move;
                    }
                }
            }

            return result;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// CreatePartitions: grows a topic to <paramref name="totalCount"/> partitions, placing the new ones where Kafka
    /// would (continuing the topic's layout from its first partition's leader) unless <paramref name="assignment"/>
    /// gives their replicas.
    /// </summary>
    public async Task<ClusterResult> CreatePartitionsAsync(
        string topic, int totalCount, IReadOnlyList<int[]>? assignment = null, CancellationToken cancellationToken = default)
    {
        return await AsControllerAsync(
            async epoch =>
            {
                if (!_topics.TryGetValue(topic, out var current))
                {
                    return new ClusterResult(ClusterError.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");
                }

                var existing = current.Value.Replicas;
                var adding = totalCount - existing.Length;
                if (adding <= 0)
                {
                    return new ClusterResult(ClusterError.InvalidPartitions,
                        $"Topic currently has {existing.Length} partitions, {totalCount} would not be an increase.");
                }

                var brokers = await RegisteredBrokersAsync(cancellationToken).ConfigureAwait(false);
                int[][] added;
                if (assignment is not null)
                {
                    if (assignment.Count != adding)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicaAssignment,
                            $"Increasing the number of partitions by {adding} but {assignment.Count} assignments provided.");
                    }

                    if (brokers.Validate(assignment) is { } error)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicaAssignment, error);
                    }

                    added = [.. assignment];
                }
                else
                {
                    var placement = brokers.ForPlacement;
                    var replicationFactor = (short)existing[0].Length;
                    if (replicationFactor > placement.Length)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicationFactor,
                            $"Replication factor: {replicationFactor} larger than available brokers: {placement.Length}.");
                    }

                    var start = Math.Max(0, Array.FindIndex(placement, b => b.Id >= existing[0][0]));
                    try
                    {
                        added = [.. ReplicaPlacement.Assign(placement, adding, replicationFactor, firstPartition: existing.Length, startIndex: start)];
                    }
                    catch (ArgumentException ex)
                    {
                        return new ClusterResult(ClusterError.InvalidReplicaAssignment, ex.Message);
                    }
                }

                var grown = current.Value with { Replicas = [.. existing, .. added] };
                var states = added.Select(r => LeaderElection.Initial(r, brokers.Alive, epoch)).ToArray();
                var revision = await _store.TryAddPartitionsAsync(epoch, topic, grown, current.ModRevision, states, cancellationToken).ConfigureAwait(false);
                if (revision is null)
                {
                    return new ClusterResult(ClusterError.InvalidPartitions, $"Topic '{topic}' changed while adding partitions: try again.");
                }

                await ReloadTopicAsync(topic, cancellationToken).ConfigureAwait(false);

                return ClusterResult.Ok;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes a partition's move once every target replica is in its ISR: the assignment drops the removed
    /// replicas and, in the same write, the ISR and the leadership leave them (see <see cref="WriteReplicasAsync"/>).
    /// Safe to repeat (a successor controller finishes a move its predecessor had started). Called under the lock.
    /// </summary>
    private async Task TryCompleteReassignmentAsync(long epoch, string topic, int partition, CancellationToken cancellationToken)
    {
        if (!_topics.TryGetValue(topic, out var current) || current.Value.Reassignments?.GetValueOrDefault(partition) is not { } move
            || !_states.TryGetValue((topic, partition), out var state) || !move.Target.All(state.Value.Isr.Contains))
        {
            return;
        }

        var replicas = (int[][])current.Value.Replicas.Clone();
        replicas[partition] = move.Target;
        var reassignments = current.Value.Reassignments!.Where(r => r.Key != partition).ToDictionary(r => r.Key, r => r.Value);
        await WriteReplicasAsync(epoch, topic, current, current.Value with { Replicas = replicas, Reassignments = reassignments.Count == 0 ? null : reassignments },
            partition, s => move.Target.All(s.Isr.Contains), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a topic's new assignment and, when partition <paramref name="partition"/>'s replica set lost brokers
    /// that are in its ISR or lead it, the partition's state without them, in one etcd transaction: written apart, a
    /// leader could see the new ISR with the old replicas and take a leaving replica (still fetching) back into the
    /// ISR, or the old ISR with the new replicas, and keep a member it no longer tracks, so its high watermark would
    /// never move again. A leader that leaves hands over to the first remaining replica in sync. If the leader changes
    /// the state in between, decides again, unless <paramref name="stillWanted"/> no longer holds. Called under the lock.
    /// </summary>
    private async Task WriteReplicasAsync(
        long epoch, string topic, Versioned<TopicAssignment> current, TopicAssignment next, int partition,
        Func<PartitionState, bool>? stillWanted, CancellationToken cancellationToken)
    {
        var replicas = next.Replicas[partition];
        while (true)
        {
            _states.TryGetValue((topic, partition), out var state);
            if (state.Value is { } known && stillWanted?.Invoke(known) == false)
            {
                return;
            }

            // Nothing to take out of the state, or nothing would be left in the ISR (the partition stays as it is, offline).
            if (state.Value is not { } s || !s.Isr.Any(replicas.Contains)
                || (s.Isr.All(replicas.Contains) && (s.Leader == LeaderElection.NoLeader || replicas.Contains(s.Leader))))
            {
                await WriteAssignmentAsync(epoch, topic, current, next, cancellationToken).ConfigureAwait(false);
                return;
            }

            var isr = s.Isr.Where(replicas.Contains).ToArray();
            var eligible = EligibleFor(topic, partition);
            var leader = replicas.Contains(s.Leader) && eligible.Contains(s.Leader)
                ? s.Leader
                : replicas.FirstOrDefault(r => eligible.Contains(r) && isr.Contains(r), LeaderElection.NoLeader);
            var trimmed = new PartitionState(leader, leader == s.Leader ? s.LeaderEpoch : s.LeaderEpoch + 1, isr, s.PartitionEpoch + 1, epoch);
            if (await _store.TryUpdateTopicAndPartitionAsync(epoch, topic, next, current.ModRevision, partition, trimmed, state.ModRevision, cancellationToken)
                .ConfigureAwait(false) is { } revision)
            {
                _topics[topic] = new Versioned<TopicAssignment>(next, revision);
                _states[(topic, partition)] = new Versioned<PartitionState>(trimmed, revision);
                if (leader != s.Leader)
                {
                    LogLeaderChanged(topic, partition, s.Leader, leader, trimmed.LeaderEpoch, isr);
                }

                return;
            }

            // The leader changed the ISR in between (only the controller writes assignments, under this lock): decide again.
            if (await _store.GetPartitionStateAsync(topic, partition, cancellationToken).ConfigureAwait(false) is { } reread)
            {
                if (reread.ModRevision == state.ModRevision)
                {
                    throw new ClusterException($"The assignment of topic '{topic}' changed in etcd outside the controller.");
                }

                _states[(topic, partition)] = reread;
            }
            else
            {
                _states.Remove((topic, partition));
            }
        }
    }

    /// <summary>
    /// Reads back a topic's assignment and partition states that this controller has just written (one read each,
    /// with the revisions a later compare-and-swap names), so the next decision doesn't wait for the watch. Called under the lock.
    /// </summary>
    private async Task ReloadTopicAsync(string topic, CancellationToken cancellationToken)
    {
        if (await _store.GetTopicAsync(topic, cancellationToken).ConfigureAwait(false) is { } assignment)
        {
            _topics[topic] = assignment;
        }

        foreach (var (key, state) in (await _store.GetPartitionStatesAsync(topic, cancellationToken).ConfigureAwait(false)).States)
        {
            _states[key] = state;
        }
    }

    /// <summary>Writes a topic's new assignment over the one read at <paramref name="current"/>'s revision. Called under the lock.</summary>
    private async Task WriteAssignmentAsync(
        long epoch, string topic, Versioned<TopicAssignment> current, TopicAssignment next, CancellationToken cancellationToken)
    {
        // Only the controller writes assignments and it holds the lock, so the revision read is the current one;
        // a failed compare means etcd changed under us, which the fence turns into NotControllerException.
        var revision = await _store.TryUpdateTopicAsync(epoch, topic, next, current.ModRevision, cancellationToken).ConfigureAwait(false)
            ?? throw new ClusterException($"The assignment of topic '{topic}' changed in etcd outside the controller.");
        _topics[topic] = new Versioned<TopicAssignment>(next, revision);
    }
}
