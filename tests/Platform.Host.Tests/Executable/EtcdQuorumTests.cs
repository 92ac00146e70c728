using System.Diagnostics;

namespace Platform.Host.Tests.Executable;

/// <summary>A cluster of three broker processes on a three-member etcd, automatic leader rebalancing off; shared by the <see cref="EtcdQuorumTests"/>.</summary>
public sealed class EtcdQuorumFixture : IAsyncLifetime
{
    internal ProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ProcessCluster.StartAsync(
        $"broker.session.timeout.ms={EtcdQuorumTests.SessionTimeoutMs}\nreplica.lag.time.max.ms=3000\nauto.leader.rebalance.enable=false\nleader.imbalance.check.interval.seconds=1\n",
        etcdMembers: 3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// The cluster on a three-member etcd: losing the etcd leader changes nothing for the brokers, and with one etcd member
/// still down a killed controller is replaced within the lease time. Also, with <c>auto.leader.rebalance.enable=false</c>
/// leadership that moved stays where it is when the preferred replica comes back.
/// </summary>
public sealed class EtcdQuorumTests(EtcdQuorumFixture fixture) : IClassFixture<EtcdQuorumFixture>
{
    /// <summary>
    /// A few times etcd's election timeout (1 s by default): when the etcd leader dies, renewals of the brokers' leases
    /// get through again only once the other members have elected a new one.
    /// </summary>
    internal const int SessionTimeoutMs = 5000;
    private readonly ProcessCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task EtcdLeaderKilled_NothingChanges_ThenControllerKilled_AnotherTakesOverWithinTheLeaseTime()
    {
        const string topic = "quorum";
        const int partitions = 3;
        const int count = 8000;
        await _cluster.CreateTopicAsync(topic, partitions, 3, ("min.insync.replicas", "2"));
        var produce = _cluster.StartKafkaJsProducer(topic, partitions, count, 10, 15);
        await Task.WhenAny(produce, Task.Delay(1500));

        var before = await _cluster.MetadataAsync(1, topic);
        var ends = await LogEndsAsync(topic, partitions);
        _cluster.Etcd.Kill(await _cluster.Etcd.LeaderAsync());

        // Two session timeouts: any lease that was going to be lost is lost by then; no leader, epoch or controller moves.
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 2 * SessionTimeoutMs)
        {
            foreach (var id in Enumerable.Range(1, 3))
            {
                var now = await _cluster.MetadataAsync(id, topic);
                Assert.Equal(before.ControllerId, now.ControllerId);
                Assert.Equal(3, now.Brokers.Count);
                foreach (var partition in now.Topics[0].Partitions)
                {
                    var was = before.Topics[0].Partitions.Single(p => p.PartitionIndex == partition.PartitionIndex);
                    Assert.True(was.LeaderId == partition.LeaderId && was.LeaderEpoch == partition.LeaderEpoch,
                        $"broker {id}: partition {partition.PartitionIndex} leader {was.LeaderId}/{was.LeaderEpoch} -> {partition.LeaderId}/{partition.LeaderEpoch} after an etcd member was killed");
                }
            }

            await Task.Delay(200);
        }

        Assert.False(produce.IsCompleted, "the producer finished before the etcd member was killed long enough");
        var later = await LogEndsAsync(topic, partitions);
        Assert.All(Enumerable.Range(0, partitions), p => Assert.True(later[p] > ends[p], $"partition {p} took no writes after the etcd member was killed"));
        Assert.DoesNotContain(Enumerable.Range(1, 3).SelectMany(id => _cluster.Broker(id).Output), l => l.Contains("LOST ITS ETCD SESSION", StringComparison.Ordinal));

        // One etcd member still down: the controller's broker dies, another takes over within the lease time.
        var controller = before.ControllerId;
        var survivor = controller % 3 + 1;
        await _cluster.Broker(controller).KillAsync();
        var elapsed = Stopwatch.StartNew();
        Assert.True(await Wire.EventuallyAsync(
            async () => (await _cluster.MetadataAsync(survivor, null)).ControllerId is var c && c != controller && c != -1,
            TimeSpan.FromSeconds(20)), "no new controller within 20 s");
        Assert.True(elapsed.ElapsedMilliseconds < SessionTimeoutMs + 3000, $"the new controller took {elapsed.ElapsedMilliseconds} ms (lease {SessionTimeoutMs} ms)");

        // The new controller elects leaders for the dead broker's partitions.
        Assert.True(await Wire.EventuallyAsync(
            async () => (await _cluster.MetadataAsync(survivor, topic)).Topics[0].Partitions.TrueForAll(p => p.LeaderId is not -1 && p.LeaderId != controller),
            TimeSpan.FromSeconds(20)), "the dead controller's partitions got no new leader");

        var acknowledged = ProcessCluster.Acknowledged(await produce);
        Assert.True(acknowledged.Count >= count / 2, $"only {acknowledged.Count} of {count} acknowledged");
        await _cluster.StartBrokerAsync(controller);
        await _cluster.AssertAcknowledgedOnceInOrderAsync(topic, partitions, acknowledged);
    }

    [Fact]
    public async Task AutoRebalanceDisabled_LeadershipStaysAfterThePreferredReplicaComesBack()
    {
        const string topic = "stays";
        await _cluster.CreateTopicAsync(topic, 3, 3);
        var preferred = (await _cluster.PartitionAsync(1, topic, 0)).ReplicaNodes[0];
        var other = preferred % 3 + 1;
        await _cluster.Broker(preferred).KillAsync();
        int moved = -1;
        Assert.True(await Wire.EventuallyAsync(
            async () => (moved = (await _cluster.PartitionAsync(other, topic, 0)).LeaderId) is not -1 && moved != preferred, TimeSpan.FromSeconds(20)));

        await _cluster.StartBrokerAsync(preferred);
        await _cluster.WaitForFullIsrAsync(topic, 3);

        // Several check intervals (1 s) later, nothing has moved it back.
        await Task.Delay(4000);
        foreach (var id in Enumerable.Range(1, 3))
        {
            Assert.Equal(moved, (await _cluster.PartitionAsync(id, topic, 0)).LeaderId);
        }
    }

    [Fact]
    public async Task CreatePartitions_WithoutRacks_SpreadsNewLeadersAndReplicasEvenly()
    {
        const string topic = "spread";
        await _cluster.CreateTopicAsync(topic, 3, 2);
        var shown = await _cluster.AddPartitionsAsync(topic, 9);
        var layout = ProcessCluster.Layout(shown);
        var added = shown.Where(p => p.Key >= 3).Select(p => p.Value).ToList();
        Assert.All(added, p => Assert.Equal(p.Replicas.Order(), p.Isr.Order()));
        Assert.All(added, p => Assert.Equal(p.Replicas[0], p.Leader));

        // Six new partitions of two replicas over three brokers: each broker leads two and holds four.
        foreach (var broker in Enumerable.Range(1, 3))
        {
            Assert.True(added.Count(p => p.Leader == broker) == 2, $"broker {broker} leads unevenly: {layout}");
            Assert.True(added.Count(p => p.Replicas.Contains(broker)) == 4, $"broker {broker} holds replicas unevenly: {layout}");
        }
    }

    private async Task<long[]> LogEndsAsync(string topic, int partitions)
    {
        var ends = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            ends[p] = await _cluster.HighWatermarkAsync(await _cluster.LeaderAsync(topic, p), topic, p);
        }

        return ends;
    }
}
