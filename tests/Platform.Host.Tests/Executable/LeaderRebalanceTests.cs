using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Automatic leader rebalancing across real broker processes: with <c>auto.leader.rebalance.enable</c> and a one-second
/// <c>leader.imbalance.check.interval.seconds</c>, leadership that moved off a killed broker goes back to it, its
/// preferred replica, once it has come back and caught up, without anyone asking. (With it off leadership stays: see
/// <see cref="EtcdQuorumTests"/>.)
/// </summary>
public sealed class LeaderRebalanceTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(
        "broker.session.timeout.ms=2000\nreplica.lag.time.max.ms=3000\nauto.leader.rebalance.enable=true\n"
        + "leader.imbalance.check.interval.seconds=1\nleader.imbalance.per.broker.percentage=10\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task BrokerKilledAndRestarted_ControllerReturnsLeadershipToThePreferredReplicas()
    {
        const string topic = "rebalanced";
        await _cluster.CreateTopicAsync(topic, 3, 3);
        var before = (await _cluster.MetadataAsync(1, topic)).Topics[0].Partitions.OrderBy(p => p.PartitionIndex).ToList();
        Assert.All(before, p => Assert.Equal(p.ReplicaNodes[0], p.LeaderId));
        var preferred = before[0].LeaderId;
        var other = preferred % 3 + 1;

        await _cluster.Broker(preferred).KillAsync();
        Assert.True(await Wire.EventuallyAsync(
            async () => (await _cluster.PartitionAsync(other, topic, 0)).LeaderId is var l && l != preferred && l != -1, TimeSpan.FromSeconds(20)),
            "no new leader after the preferred one was killed");

        await _cluster.StartBrokerAsync(preferred);
        List<MetadataResponse.MetadataResponsePartition> after = [];
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                after = (await _cluster.MetadataAsync(other, topic)).Topics[0].Partitions;
                return after.TrueForAll(p => p.LeaderId == p.ReplicaNodes[0] && p.IsrNodes.Count == 3);
            },
            TimeSpan.FromSeconds(40)), "leadership did not return to the preferred replicas by itself");

        // The epoch from the same view: each broker learns the controller's decision from its own etcd watch, so
        // another broker (even the new leader) may still answer with the epoch before it for a moment.
        Assert.Equal(before[0].LeaderEpoch + 2, after.Single(p => p.PartitionIndex == 0).LeaderEpoch);
    }
}
