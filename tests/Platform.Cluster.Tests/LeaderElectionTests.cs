namespace Platform.Cluster.Tests;

public class LeaderElectionTests
{
    private static readonly int[] Replicas = [1, 2, 3];

    private static HashSet<int> Alive(params int[] ids) => [.. ids];

    [Fact]
    public void Initial_FirstLiveReplicaLeads_LiveReplicasAreTheIsr()
    {
        var state = LeaderElection.Initial(Replicas, Alive(2, 3), controllerEpoch: 5);

        Assert.Equal((2, 0, 0, 5L), (state.Leader, state.LeaderEpoch, state.PartitionEpoch, state.ControllerEpoch));
        Assert.Equal([2, 3], state.Isr);
    }

    [Fact]
    public void OnBrokersChanged_LeaderDies_NextIsrMemberInPreferenceOrderLeads()
    {
        var state = new PartitionState(1, 4, [3, 1, 2], 9, 1);

        var next = LeaderElection.OnBrokersChanged(Replicas, state, Alive(2, 3), uncleanAllowed: false, controllerEpoch: 2)!;

        Assert.Equal(2, next.Leader); // replica order, not ISR order
        Assert.Equal(5, next.LeaderEpoch);
        Assert.Equal([3, 2], next.Isr);
        Assert.Equal(10, next.PartitionEpoch);
        Assert.Equal(2, next.ControllerEpoch);
    }

    [Fact]
    public void OnBrokersChanged_FollowerDies_LeavesIsr_LeaderEpochKept()
    {
        var state = new PartitionState(1, 4, [1, 2, 3], 9, 1);

        var next = LeaderElection.OnBrokersChanged(Replicas, state, Alive(1, 2), false, 1)!;

        Assert.Equal((1, 4, 10), (next.Leader, next.LeaderEpoch, next.PartitionEpoch));
        Assert.Equal([1, 2], next.Isr);
    }

    [Fact]
    public void OnBrokersChanged_NothingChanged_ReturnsNull()
    {
        Assert.Null(LeaderElection.OnBrokersChanged(Replicas, new PartitionState(1, 4, [1, 2], 9, 1), Alive(1, 2, 3), false, 1));
    }

    [Fact]
    public void OnBrokersChanged_WholeIsrDead_OfflineKeepingTheLastMember_ThenItLeadsAgainWhenBack()
    {
        var state = new PartitionState(1, 4, [1], 9, 1);

        var offline = LeaderElection.OnBrokersChanged(Replicas, state, Alive(2, 3), false, 1)!;
        Assert.Equal(LeaderElection.NoLeader, offline.Leader);
        Assert.Equal([1], offline.Isr); // 2 and 3 may lack acknowledged records: not eligible without unclean election

        var back = LeaderElection.OnBrokersChanged(Replicas, offline, Alive(1, 2, 3), false, 1)!;
        Assert.Equal(1, back.Leader);
        Assert.Equal(6, back.LeaderEpoch);
    }

    [Fact]
    public void OnBrokersChanged_WholeIsrDead_UncleanAllowed_FirstLiveReplicaLeadsAlone()
    {
        var next = LeaderElection.OnBrokersChanged(Replicas, new PartitionState(1, 4, [1], 9, 1), Alive(3, 2), uncleanAllowed: true, 1)!;

        Assert.Equal(2, next.Leader);
        Assert.Equal([2], next.Isr);
    }

    [Fact]
    public void Preferred_MovesLeadershipBackOnlyToALiveInSyncPreferredReplica()
    {
        var state = new PartitionState(2, 4, [2, 3], 9, 1);

        Assert.Equal(ElectionOutcome.NotAvailable, LeaderElection.Preferred(Replicas, state, Alive(1, 2, 3), 1).Outcome); // 1 not in ISR yet
        var (outcome, next) = LeaderElection.Preferred(Replicas, state with { Isr = [2, 3, 1] }, Alive(1, 2, 3), 1);
        Assert.Equal(ElectionOutcome.Elected, outcome);
        Assert.Equal((1, 5), (next!.Leader, next.LeaderEpoch));
        Assert.Equal(ElectionOutcome.NotNeeded, LeaderElection.Preferred(Replicas, next, Alive(1, 2, 3), 1).Outcome);
    }

    [Fact]
    public void Unclean_LiveLeader_NotNeeded_NoLiveReplica_NotAvailable()
    {
        Assert.Equal(ElectionOutcome.NotNeeded, LeaderElection.Unclean(Replicas, new PartitionState(1, 0, [1], 0, 1), Alive(1), 1).Outcome);
        Assert.Equal(ElectionOutcome.NotAvailable, LeaderElection.Unclean(Replicas, new PartitionState(-1, 0, [1], 0, 1), Alive(), 1).Outcome);
        Assert.Equal(3, LeaderElection.Unclean(Replicas, new PartitionState(-1, 0, [1], 0, 1), Alive(3), 1).State!.Leader);
    }

    [Fact]
    public void Imbalance_IsTheShareOfPreferredPartitionsLedByOthers()
    {
        var partitions = new (int[], PartitionState)[]
        {
            ([1, 2], new PartitionState(2, 1, [1, 2], 1, 1)),
            ([1, 2], new PartitionState(1, 1, [1, 2], 1, 1)),
            ([2, 1], new PartitionState(2, 1, [1, 2], 1, 1)),
        };

        var imbalance = LeaderElection.Imbalance(partitions, Alive(1, 2));

        Assert.Equal(50.0, imbalance[1]);
        Assert.Equal(0.0, imbalance[2]);
    }
}
