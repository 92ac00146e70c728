using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Tests.Admin;

/// <summary>The admin client against a real broker on loopback.</summary>
public sealed class AdminClientTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private IAdminClient _admin = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task CreateTopicsAsync_ThenDescribe_ReportsPartitionsLeaderReplicasAndIsr()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 3, ReplicationFactor = 1 }]);

        var result = await _admin.DescribeTopicsAsync(["orders"]);

        var topic = Assert.Single(result.TopicDescriptions);
        Assert.Equal("orders", topic.Name);
        Assert.NotEqual(Guid.Empty, topic.TopicId);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.Partition));
        Assert.All(topic.Partitions, p =>
        {
            Assert.Equal(_broker.Options.NodeId, p.Leader?.Id);
            Assert.Equal([_broker.Options.NodeId], p.Replicas.Select(r => r.Id));
            Assert.Equal([_broker.Options.NodeId], p.ISR.Select(r => r.Id));
        });
    }

    [Fact]
    public async Task CreateTopicsAsync_DefaultsMinusOne_TakesBrokerDefaults()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "defaults" }]);

        var topic = Assert.Single((await _admin.DescribeTopicsAsync(["defaults"])).TopicDescriptions);
        Assert.Equal(_broker.Options.NumPartitions, topic.Partitions.Count);
    }

    [Fact]
    public async Task CreateTopicsAsync_OneExists_ThrowsWithPerTopicResults()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "taken", NumPartitions = 1 }]);

        var ex = await Assert.ThrowsAsync<CreateTopicsException>(() => _admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = "fresh", NumPartitions = 1 },
            new TopicSpecification { Name = "taken", NumPartitions = 1 },
        ]));

        Assert.Equal(ErrorCode.TopicAlreadyExists, ex.Error.Code);
        Assert.Equal(["fresh", "taken"], ex.Results.Select(r => r.Topic));
        Assert.False(ex.Results[0].Error.IsError);
        Assert.Equal(ErrorCode.TopicAlreadyExists, ex.Results[1].Error.Code);
        Assert.Contains("taken", ex.Message);
    }

    [Fact]
    public async Task CreateTopicsAsync_ValidateOnly_CreatesNothing()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "dry", NumPartitions = 2 }], new CreateTopicsOptions { ValidateOnly = true });

        Assert.DoesNotContain("dry", (await _admin.ListTopicsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task ListTopicsAsync_ReturnsCreatedTopicsSorted()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "b", NumPartitions = 1 }, new TopicSpecification { Name = "a", NumPartitions = 1 }]);

        var names = (await _admin.ListTopicsAsync()).Select(t => t.Name).ToList();

        Assert.Equal(["a", "b"], names.Where(n => n is "a" or "b"));
    }

    [Fact]
    public async Task DeleteTopicsAsync_RemovesTopic_AndMissingTopicIsReported()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "doomed", NumPartitions = 1 }]);

        await _admin.DeleteTopicsAsync(["doomed"]);

        Assert.DoesNotContain("doomed", (await _admin.ListTopicsAsync()).Select(t => t.Name));
        var ex = await Assert.ThrowsAsync<DeleteTopicsException>(() => _admin.DeleteTopicsAsync(["doomed"]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Assert.Single(ex.Results).Error.Code);
    }

    [Fact]
    public async Task DescribeTopicsAsync_UnknownTopic_ThrowsWithUnknownTopicOrPartition()
    {
        var ex = await Assert.ThrowsAsync<DescribeTopicsException>(() => _admin.DescribeTopicsAsync(["nope"]));

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Assert.Single(ex.Results).Error.Code);
        Assert.Contains("nope", ex.Message);
    }

    [Fact]
    public async Task CreatePartitionsAsync_Grows_AndShrinkingIsRejected()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "grow", NumPartitions = 2 }]);

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "grow", IncreaseTo = 4 }]);

        Assert.Equal(4, (await _admin.DescribeTopicsAsync(["grow"])).TopicDescriptions[0].Partitions.Count);
        var ex = await Assert.ThrowsAsync<CreatePartitionsException>(
            () => _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "grow", IncreaseTo = 1 }]));
        Assert.Equal(ErrorCode.InvalidPartitions, Assert.Single(ex.Results).Error.Code);
    }

    [Fact]
    public async Task IncrementalAlterConfigsAsync_SetThenDelete_DescribeConfigsFollows()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "conf", NumPartitions = 1, Configs = new() { ["cleanup.policy"] = "compact" } }]);
        var resource = new ConfigResource(ResourceType.Topic, "conf");

        var created = Assert.Single(await _admin.DescribeConfigsAsync([resource]));
        Assert.Equal("compact", created.Entries["cleanup.policy"].Value);
        Assert.False(created.Entries["cleanup.policy"].IsDefault);
        Assert.Equal(ConfigSource.DynamicTopicConfig, created.Entries["cleanup.policy"].Source);

        await _admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "60000" },
                new ConfigEntry { Name = "cleanup.policy", IncrementalOperation = AlterConfigOpType.Delete },
            ],
        });

        var altered = Assert.Single(await _admin.DescribeConfigsAsync([resource])).Entries;
        Assert.Equal("60000", altered["retention.ms"].Value);
        Assert.False(altered["retention.ms"].IsDefault);
        Assert.True(altered["cleanup.policy"].IsDefault);
    }

    [Fact]
    public async Task ListOffsetsAsync_AfterProduce_EarliestAndLatestAreLogStartAndEnd()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "events", NumPartitions = 1 }]);
        await ProduceAsync("events", 3);
        var tp = new TopicPartition("events", 0);

        var result = await _admin.ListOffsetsAsync(
            [new TopicPartitionOffsetSpec(tp, OffsetSpec.Earliest()), new TopicPartitionOffsetSpec(tp, OffsetSpec.Latest())]);

        Assert.Equal([0L, 3L], result.ResultInfos.Select(r => r.Offset));
    }

    [Fact]
    public async Task ListOffsetsAsync_UnknownPartition_ThrowsWithPerPartitionError()
    {
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "one", NumPartitions = 1 }]);

        var ex = await Assert.ThrowsAsync<ListOffsetsException>(() => _admin.ListOffsetsAsync(
        [
            new TopicPartitionOffsetSpec(new TopicPartition("one", 0), OffsetSpec.Latest()),
            new TopicPartitionOffsetSpec(new TopicPartition("one", 7), OffsetSpec.Latest()),
        ]));

        Assert.False(ex.Results[0].Error.IsError);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ex.Results[1].Error.Code);
    }

    [Fact]
    public async Task DescribeClusterAsync_ReportsTheBrokerAsControllerAndNode()
    {
        var cluster = await _admin.DescribeClusterAsync();

        var node = Assert.Single(cluster.Nodes);
        Assert.Equal(_broker.Options.NodeId, node.Id);
        Assert.Equal(_broker.Port, node.Port);
        Assert.Equal(node, cluster.Controller);
        Assert.False(string.IsNullOrEmpty(cluster.ClusterId));
    }

    [Fact]
    public void GetMetadata_Blocking_ReturnsBrokersAndOriginatingBroker()
    {
        var metadata = _admin.GetMetadata(TimeSpan.FromSeconds(10));

        Assert.Equal(_broker.Options.NodeId, Assert.Single(metadata.Brokers).BrokerId);
        Assert.Equal(_broker.Options.NodeId, metadata.OriginatingBrokerId);
    }

    private async Task ProduceAsync(string topic, int count)
    {
        using var batch = new RecordBatchBuilder();
        for (var i = 0; i < count; i++)
        {
            batch.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, new byte[] { (byte)i });
        }

        await using var connection = await KafkaConnection.ConnectAsync(BrokerAddress.Parse(_broker.BootstrapServers));
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 10_000,
            TopicData =
            [
                new ProduceRequest.TopicProduceData
                {
                    Name = topic,
                    PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new MemoryRecords(batch.BuildToArray()) }],
                },
            ],
        };
        var response = await connection.SendAsync<ProduceResponse>(request);
        Assert.Equal(0, response.Responses[0].PartitionResponses[0].ErrorCode);
    }
}
