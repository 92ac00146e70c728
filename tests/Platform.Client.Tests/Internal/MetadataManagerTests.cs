using Platform.Broker;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Protocol;

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
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

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
}
