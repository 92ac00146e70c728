namespace Platform.Cluster;

/// <summary>What an election did for one partition.</summary>
public enum ElectionOutcome
{
    /// <summary>A new state was chosen (leader and/or ISR changed).</summary>
    Elected,

    /// <summary>The partition already has the leader asked for (Kafka's ELECTION_NOT_NEEDED).</summary>
    NotNeeded,

    /// <summary>No replica may lead now (Kafka's PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE).</summary>
    NotAvailable,
}

/// <summary>
/// The controller's decisions for one partition, as pure functions of its replicas (preference order), its
/// state and the live brokers, so they are the same whoever computes them and easy to check:
/// a leader comes from the ISR in preference order; a dead broker leaves the ISR, except the last member, which
/// stays so that the partition can come back clean when that broker does; a partition whose ISR is all dead
/// has no leader (-1) unless unclean election is allowed. Every change of leader bumps the leader epoch and
/// every change at all the partition epoch.
/// </summary>
public static class LeaderElection
{
    public const int NoLeader = -1;

    /// <summary>The first state of a new partition: the first live replica leads, the live replicas are the ISR.</summary>
    public static PartitionState Initial(int[] replicas, IReadOnlySet<int> alive, long controllerEpoch)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(alive);
        var isr = replicas.Where(alive.Contains).ToArray();
        return new PartitionState(isr.Length > 0 ? isr[0] : NoLeader, 0, isr.Length > 0 ? isr : replicas, 0, controllerEpoch);
    }

    /// <summary>After brokers joined or left: the partition's new state, or null when nothing changes.</summary>
    public static PartitionState? OnBrokersChanged(int[] replicas, PartitionState state, IReadOnlySet<int> alive, bool uncleanAllowed, long controllerEpoch)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(alive);
        var liveIsr = state.Isr.Where(alive.Contains).ToArray();
        // The last member of an ISR stays in it while dead: it holds every acknowledged record, so it is the one
        // to lead again (clean) when it comes back.
        var isr = liveIsr.Length > 0 ? liveIsr : state.Isr;
        if (state.Leader != NoLeader && alive.Contains(state.Leader) && liveIsr.Contains(state.Leader))
        {
            return isr.SequenceEqual(state.Isr) ? null : Next(state, state.Leader, isr, controllerEpoch);
        }

        var leader = replicas.FirstOrDefault(r => alive.Contains(r) && liveIsr.Contains(r), NoLeader);
        if (leader == NoLeader && uncleanAllowed)
        {
            leader = replicas.FirstOrDefault(alive.Contains, NoLeader);
            if (leader != NoLeader)
            {
                isr = [leader];
            }
        }

        return leader == state.Leader && isr.SequenceEqual(state.Isr) ? null : Next(state, leader, isr, controllerEpoch);
    }

    /// <summary>Moves leadership to the preferred replica (the first of <paramref name="replicas"/>) if it is alive and in sync.</summary>
    public static (ElectionOutcome Outcome, PartitionState? State) Preferred(int[] replicas, PartitionState state, IReadOnlySet<int> alive, long controllerEpoch)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(alive);
        var preferred = replicas[0];
        if (state.Leader == preferred)
        {
            return (ElectionOutcome.NotNeeded, null);
        }

        return alive.Contains(preferred) && state.Isr.Contains(preferred)
            ? (ElectionOutcome.Elected, Next(state, preferred, state.Isr, controllerEpoch))
            : (ElectionOutcome.NotAvailable, null);
    }

    /// <summary>
    /// Unclean election asked for by an operator: a partition with a live leader needs none; otherwise the first
    /// live replica in the ISR leads, or failing that the first live replica at all (records may be lost).
    /// </summary>
    public static (ElectionOutcome Outcome, PartitionState? State) Unclean(int[] replicas, PartitionState state, IReadOnlySet<int> alive, long controllerEpoch)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(alive);
        if (state.Leader != NoLeader && alive.Contains(state.Leader))
        {
            return (ElectionOutcome.NotNeeded, null);
        }

        var next = OnBrokersChanged(replicas, state, alive, uncleanAllowed: true, controllerEpoch);
        return next is { Leader: not NoLeader } ? (ElectionOutcome.Elected, next) : (ElectionOutcome.NotAvailable, null);
    }

    /// <summary>
    /// The brokers leading a larger share of their preferred partitions' than <paramref name="imbalancePercentage"/>
    /// allows away from them (Kafka's leader.imbalance.per.broker.percentage): for each, the share of partitions
    /// whose preferred leader it is but which another broker leads.
    /// </summary>
    public static IReadOnlyDictionary<int, double> Imbalance(IEnumerable<(int[] Replicas, PartitionState State)> partitions, IReadOnlySet<int> alive)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(alive);
        var preferredCount = new Dictionary<int, int>();
        var notLeading = new Dictionary<int, int>();
        foreach (var (replicas, state) in partitions)
        {
            var preferred = replicas[0];
            if (!alive.Contains(preferred))
            {
                continue;
            }

            preferredCount[preferred] = preferredCount.GetValueOrDefault(preferred) + 1;
            if (state.Leader != preferred)
            {
                notLeading[preferred] = notLeading.GetValueOrDefault(preferred) + 1;
            }
        }

        return preferredCount.ToDictionary(p => p.Key, p => 100.0 * notLeading.GetValueOrDefault(p.Key) / p.Value);
    }

    private static PartitionState Next(PartitionState state, int leader, int[] isr, long controllerEpoch) => new(
        leader,
        leader == state.Leader ? state.LeaderEpoch : state.LeaderEpoch + 1,
        isr,
        state.PartitionEpoch + 1,
        controllerEpoch);
}
