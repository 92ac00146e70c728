using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Three real <c>platform broker</c> processes on a real etcd, replicating: leaders killed with SIGKILL while
/// kafkajs produces with acks=all, and a follower frozen with SIGSTOP. Nothing acknowledged may be lost or
/// duplicated, and the replicas' logs end up identical byte for byte up to the high watermark.
/// </summary>
public sealed class ReplicationChaosTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
        => _cluster = await ProcessCluster.StartAsync("broker.session.timeout.ms=2000\nreplica.lag.time.max.ms=3000\ndefault.replication.factor=3\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task LeadersKilledWhileKafkaJsProducesAcksAll_EveryAcknowledgedRecordOnceInOrder_ReplicasIdentical()
    {
        const string topic = "chaos";
        const int partitions = 3;
        const int count = 20000;
        await CreateTopicAsync(topic, partitions, ("min.insync.replicas", "2"));
        var produce = _cluster.StartKafkaJsProducer(topic, partitions, count, 20, 15);

        // Every three seconds the leader of the next partition dies (SIGKILL) and comes back two seconds later.
        var kills = 0;
        for (var round = 0; !produce.IsCompleted; round++)
        {
            await Task.WhenAny(produce, Task.Delay(3000));
            if (produce.IsCompleted || await LeaderAsync(topic, round % partitions) is not (> 0 and var leader))
            {
                continue;
            }

            await _cluster.Broker(leader).KillAsync();
            kills++;
            await Task.WhenAny(produce, Task.Delay(2000));
            await _cluster.StartBrokerAsync(leader);
        }

        var acknowledged = ProcessCluster.Acknowledged(await produce);
        Assert.True(kills >= 2, $"only {kills} leaders killed: the producer finished too soon to test anything ({acknowledged.Count} acknowledged)");
        Assert.True(acknowledged.Count >= count / 2, $"only {acknowledged.Count} of {count} acknowledged");

        await _cluster.AssertAcknowledgedOnceInOrderAsync(topic, partitions, acknowledged);
    }

    [Fact]
    public async Task FollowerStopped_LeavesTheIsr_MinIsrRefusesWrites_AfterContItCatchesUpAndRejoins()
    {
        const string topic = "frozen";
        await CreateTopicAsync(topic, 1, ("min.insync.replicas", "3"));
        var leader = await LeaderAsync(topic, 0);
        var follower = leader % 3 + 1;
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(leader).Port);

        // Broker 1's metadata (where the leader was read) may name the leader before the leader itself has applied its role.
        var first = ErrorCode.NotLeaderOrFollower;
        Assert.True(await Wire.EventuallyAsync(
            async () => (first = (ErrorCode)(await connection.ProduceAsync(topic, Wire.Batch(0, ("k", "before")))).ErrorCode) != ErrorCode.NotLeaderOrFollower,
            TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.None, first);

        Signal(follower, "STOP");
        try
        {
            Assert.True(await Wire.EventuallyAsync(
                async () => !(await PartitionAsync(leader, topic, 0)).IsrNodes.Contains(follower), TimeSpan.FromSeconds(20)),
                $"stopped follower {follower} stayed in the ISR");
            var refused = await connection.ProduceAsync(topic, Wire.Batch(0, ("k", "refused")));
            Assert.Equal(ErrorCode.NotEnoughReplicas, (ErrorCode)refused.ErrorCode);
        }
        finally
        {
            Signal(follower, "CONT");
        }

        Assert.True(await Wire.EventuallyAsync(
            async () => (await PartitionAsync(leader, topic, 0)).IsrNodes.Count == 3, TimeSpan.FromSeconds(30)),
            $"follower {follower} did not rejoin the ISR");
        Assert.Equal(ErrorCode.None, (ErrorCode)(await connection.ProduceAsync(topic, Wire.Batch(0, ("k", "after")))).ErrorCode);
        Assert.Equal(["before", "after"], await ReadPartitionAsync(topic, 0));
        await AssertReplicasIdenticalAsync(topic, 0);
    }

    private void Signal(int broker, string signal) => _cluster.Signal(broker, signal);

    private Task CreateTopicAsync(string topic, int partitions, params (string Key, string Value)[] configs) => _cluster.CreateTopicAsync(topic, partitions, 3, configs);

    private Task WaitForFullIsrAsync(string topic, int partitions) => _cluster.WaitForFullIsrAsync(topic, partitions);

    private Task<int> LeaderAsync(string topic, int partition) => _cluster.LeaderAsync(topic, partition);

    private Task<MetadataResponse.MetadataResponsePartition> PartitionAsync(int broker, string topic, int partition) => _cluster.PartitionAsync(broker, topic, partition);

    private Task<List<string>> ReadPartitionAsync(string topic, int partition) => _cluster.ReadPartitionAsync(topic, partition);

    private Task AssertReplicasIdenticalAsync(string topic, int partition) => _cluster.AssertReplicasIdenticalAsync(topic, partition);
}
