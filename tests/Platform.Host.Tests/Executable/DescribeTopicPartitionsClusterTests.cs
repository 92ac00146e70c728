using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>DescribeTopicPartitions in a cluster of three broker processes: any broker describes every partition from the cluster's metadata, a killed broker shows as offline.</summary>
public sealed class DescribeTopicPartitionsClusterTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync("broker.session.timeout.ms=2000\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<DescribeTopicPartitionsResponse> DescribeAsync(int broker, string topic, int limit = 2000, int from = 0)
    {
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(broker).Port);
        var request = new DescribeTopicPartitionsRequest
        {
            Topics = [new() { Name = topic }],
            ResponsePartitionLimit = limit,
            Cursor = from == 0 ? null : new() { TopicName = topic, PartitionIndex = from },
        };
        return await connection.SendAsync<DescribeTopicPartitionsResponse>(request, 0);
    }

    [Fact]
    public async Task Rf3Topic_EveryBrokerShowsReplicasIsrAndLeaders_AKilledBrokerIsOfflineAndLeavesTheIsr()
    {
        await using (var connection = await RawConnection.ConnectAsync(_cluster.Broker(1).Port))
        {
            var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("described", 3, 3), 7)).Topics);
            Assert.Equal(ErrorCode.None, (ErrorCode)created.ErrorCode);
        }

        foreach (var id in new[] { 1, 2, 3 })
        {
            Assert.True(await Wire.EventuallyAsync(async () => (await DescribeAsync(id, "described")).Topics[0].ErrorCode == 0, TimeSpan.FromSeconds(10)));
        }

        var topic = Assert.Single((await DescribeAsync(2, "described")).Topics);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.PartitionIndex));
        Assert.All(topic.Partitions, p =>
        {
            Assert.Equal([1, 2, 3], p.ReplicaNodes.Order());
            Assert.Equal([1, 2, 3], p.IsrNodes.Order());
            Assert.Contains(p.LeaderId, p.ReplicaNodes);
            Assert.Equal(0, p.LeaderEpoch);
            Assert.Empty(p.OfflineReplicas);
        });
        var victim = topic.Partitions[0].LeaderId;
        var survivor = victim % 3 + 1;

        await _cluster.Broker(victim).KillAsync();

        DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic? after = null;
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                after = Assert.Single((await DescribeAsync(survivor, "described")).Topics);
                return after.Partitions.All(p => p.LeaderId != victim && p.LeaderId != -1 && !p.IsrNodes.Contains(victim));
            },
            TimeSpan.FromSeconds(20)), "the killed broker's partitions got no new leader within 20 s");
        Assert.All(after!.Partitions, p => Assert.Equal([victim], p.OfflineReplicas));
        Assert.Equal(1, after.Partitions[0].LeaderEpoch);

        // Paged: two partitions, then the cursor's page with the last one.
        var first = await DescribeAsync(survivor, "described", limit: 2);
        Assert.Equal([0, 1], first.Topics[0].Partitions.Select(p => p.PartitionIndex));
        Assert.Equal(("described", 2), (first.NextCursor!.TopicName, first.NextCursor.PartitionIndex));
        var rest = await DescribeAsync(survivor, "described", limit: 2, from: 2);
        Assert.Equal([2], rest.Topics[0].Partitions.Select(p => p.PartitionIndex));
        Assert.Null(rest.NextCursor);
    }
}
