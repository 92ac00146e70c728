using Platform.Broker;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Client.Tests.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Internal;

public sealed class MetadataManagerTests
{
    private static (ClusterConnections, MetadataManager) Create(string bootstrap, bool autoCreate = false)
    {
        var cluster = new ClusterConnections(BrokerAddress.ParseList(bootstrap), new KafkaConnectionOptions { ConnectTimeout = TimeSpan.FromSeconds(2) });
        var metadata = new MetadataManager(cluster, new MetadataManagerOptions { RetryBackoff = TimeSpan.FromMilliseconds(20), AllowAutoTopicCreation = autoCreate });
        return (cluster, metadata);
    }

    [Fact]
    public async Task GetTopicAsync_AutoCreatedTopic_ReturnsPartitionsWithLeader()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 3);
        var (cluster, metadata) = Create(broker.BootstrapServers, autoCreate: true);
        await using var _ = cluster;
        await using var __ = metadata;

        var topic = await metadata.GetTopicAsync("events").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.Index));
        Assert.All(topic.Partitions, p => Assert.Equal(broker.Options.NodeId, p.LeaderId));
        Assert.True(metadata.Current.Nodes.ContainsKey(broker.Options.NodeId));
    }

    [Fact]
    public async Task GetTopicAsync_UnknownTopicWithoutAutoCreate_WaitsUntilCancelled()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.AutoCreateTopicsEnable = false);
        var (cluster, metadata) = Create(broker.BootstrapServers, autoCreate: true);
        await using var _ = cluster;
        await using var __ = metadata;
        // Long enough for the first metadata answer on a busy machine; the call must still be waiting then.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => metadata.GetTopicAsync("missing", cts.Token));

        Assert.True(metadata.TryGetTopic("missing", out var info));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, info.Error);
    }

    [Fact]
    public async Task RequestUpdate_NoBroker_RecordsNetworkError()
    {
        var (cluster, metadata) = Create("127.0.0.1:1");
        await using var _ = cluster;
        await using var __ = metadata;

        metadata.RequestUpdate();
        await metadata.WaitForUpdateAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ErrorCode.NetworkException, metadata.LastError?.Error.Code);
    }

    [Fact]
    public async Task GetTopicAsync_PartitionsAnsweredOutOfOrder_AreInIndexOrder_AndOnlyThoseWithALeaderAreAvailable()
    {
        await using var broker = new FakeBroker();
        var (cluster, metadata) = Create(broker.Address.ToString());
        await using var _ = cluster;
        await using var __ = metadata;

        var pending = metadata.GetTopicAsync("events");
        var request = await broker.NextRequestAsync();
        Assert.Equal(ApiKey.Metadata, request.ApiKey);
        MetadataResponse.MetadataResponsePartition Partition(int index, int leader) => new() { PartitionIndex = index, LeaderId = leader, LeaderEpoch = 1 };
        await broker.RespondAsync(request, new MetadataResponse
        {
            Brokers = [new() { NodeId = 1, Host = broker.Address.Host, Port = broker.Address.Port }],
            Topics = [new() { Name = "events", Partitions = [Partition(3, 1), Partition(0, 1), Partition(2, 7), Partition(1, 1)] }],
        });
        var topic = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([0, 1, 2, 3], topic.Partitions.Select(p => p.Index));
        // Node 7 is not among the brokers: its partition has no usable leader.
        Assert.Equal([1, 1, -1, 1], topic.Partitions.Select(p => p.LeaderId));
        Assert.Equal([0, 1, 3], topic.AvailablePartitions);
        Assert.Equal(broker.Address, metadata.Current.Nodes[1]);
    }
}
