using Platform.Broker.Replication;

namespace Platform.Broker.Tests.Replication;

public class IsrTrackerTests
{
    private static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(30);
    private readonly ManualTime _time = new();

    private IsrTracker Leader(long logEnd = 100, long highWatermark = 100, int[]? isr = null)
        => new(leader: 1, replicas: [1, 2, 3], isr: isr ?? [1, 2, 3], highWatermark, logEnd, _time);

    [Fact]
    public void HighWatermark_IsTheSmallestLogEndInTheIsr_AndNeverGoesBack()
    {
        var tracker = Leader();
        tracker.OnLeaderAppend(150);

        Assert.False(tracker.OnFollowerFetch(2, 150).HighWatermarkMoved); // 3 has not fetched past 100
        Assert.True(tracker.OnFollowerFetch(3, 120).HighWatermarkMoved);
        Assert.Equal(120, tracker.HighWatermark);
        Assert.False(tracker.OnFollowerFetch(3, 110).HighWatermarkMoved); // a follower that truncated doesn't pull it back
        Assert.Equal(120, tracker.HighWatermark);
    }

    [Fact]
    public void SingleReplicaIsr_HighWatermarkFollowsTheLeader()
    {
        var tracker = Leader(isr: [1]);

        Assert.True(tracker.OnLeaderAppend(130));
        Assert.Equal(130, tracker.HighWatermark);
    }

    [Fact]
    public void LaggingReplicas_FollowerNotCaughtUpForMaxLag_IsReported()
    {
        var tracker = Leader();
        tracker.OnFollowerFetch(2, 100);
        tracker.OnFollowerFetch(3, 100);
        tracker.OnLeaderAppend(200);

        _time.Advance(TimeSpan.FromSeconds(20));
        tracker.OnFollowerFetch(2, 200); // caught up
        tracker.OnFollowerFetch(3, 150); // behind 200, but it reached 100, the end at its previous fetch: caught up as of then
        Assert.Empty(tracker.LaggingReplicas(MaxLag));

        _time.Advance(TimeSpan.FromSeconds(20));
        tracker.OnLeaderAppend(300);
        tracker.OnFollowerFetch(2, 300);
        _time.Advance(TimeSpan.FromSeconds(15));

        // 3 was last caught up 55 s ago, at its first fetch.
        Assert.Equal([3], tracker.LaggingReplicas(MaxLag));
    }

    [Fact]
    public void LaggingReplicas_FollowerThatNeverFetches_IsReportedAfterMaxLag()
    {
        var tracker = Leader();
        tracker.OnFollowerFetch(2, 100);

        _time.Advance(MaxLag + TimeSpan.FromSeconds(1));
        tracker.OnFollowerFetch(2, 100);

        Assert.Equal([3], tracker.LaggingReplicas(MaxLag));
    }

    [Fact]
    public void ShrinkThenRejoin_HighWatermarkMovesWhenTheLaggardLeaves_AndItRejoinsOnceCaughtUp()
    {
        var tracker = Leader();
        tracker.OnLeaderAppend(200);
        tracker.OnFollowerFetch(2, 200);
        Assert.Equal(100, tracker.HighWatermark); // 3 holds it back

        tracker.Propose([1, 2]);
        Assert.Equal(100, tracker.HighWatermark); // still counted until the store accepts
        Assert.True(tracker.Accept([1, 2]));
        Assert.Equal(200, tracker.HighWatermark);

        Assert.False(tracker.OnFollowerFetch(3, 150).ShouldJoinIsr); // below the high watermark
        Assert.True(tracker.OnFollowerFetch(3, 200).ShouldJoinIsr);
        tracker.Propose([1, 2, 3]);
        Assert.False(tracker.OnFollowerFetch(3, 200).ShouldJoinIsr); // already proposed
        tracker.Accept([1, 2, 3]);
        Assert.Equal([1, 2, 3], tracker.Isr);
    }

    [Fact]
    public void Join_RequiresReachingTheStartOfTheLeadersEpoch()
    {
        // A new leader at log end 100 whose high watermark is still 80: a follower at 90 is past the high
        // watermark but lacks records of this leadership.
        var tracker = Leader(logEnd: 100, highWatermark: 80, isr: [1, 2]);

        Assert.False(tracker.OnFollowerFetch(3, 90).ShouldJoinIsr);
        Assert.True(tracker.OnFollowerFetch(3, 100).ShouldJoinIsr);
    }

    [Fact]
    public void RefusedProposal_StopsCountingTheProposedReplicas()
    {
        var tracker = Leader(isr: [1, 2]);
        tracker.OnLeaderAppend(200);
        tracker.OnFollowerFetch(2, 200);
        Assert.Equal(200, tracker.HighWatermark);

        tracker.OnLeaderAppend(300);
        tracker.Propose([1, 2, 3]); // 3 at -1: the maximal ISR holds the high watermark
        tracker.OnFollowerFetch(2, 300);
        Assert.Equal(200, tracker.HighWatermark);

        tracker.Refuse();
        Assert.True(tracker.OnFollowerFetch(2, 300).HighWatermarkMoved);
        Assert.Equal(300, tracker.HighWatermark);
    }
}
