using Microsoft.Extensions.DependencyInjection;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests.Cluster;

/// <summary>
/// A topic goes live only once topics.json holds it; a create that fails (a full disk, a partition limit)
/// leaves nothing behind: no topic, no directory.
/// </summary>
public sealed class TopicCreationTests : IAsyncLifetime
{
    private readonly FaultInjectingFileSystem _disk = new();
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(
            o =>
            {
                o.MaxPartitionsPerRequest = 8;
                o.MaxPartitions = 12;
            },
            configureServices: services => services.AddSingleton<IStorageFileSystem>(_disk));
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private void FailTopicsJson() => _disk.AppendFault = path => path.EndsWith("topics.json.tmp", StringComparison.Ordinal) ? new IOException("No space left on device") : null;

    private async Task<CreateTopicsResponse.CreatableTopicResult> CreateAsync(string name, int partitions)
        => Assert.Single((await _connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest(name, partitions), 7)).Topics);

    private async Task<CreatePartitionsResponse.CreatePartitionsTopicResult> CreatePartitionsAsync(string name, int count)
    {
        var request = new CreatePartitionsRequest { Topics = [new() { Name = name, Count = count }], TimeoutMs = 5000 };
        return Assert.Single((await _connection.SendAsync<CreatePartitionsResponse>(request, 3)).Results);
    }

    private async Task<MetadataResponse.MetadataResponseTopic> MetadataAsync(string name, bool allowAutoCreate = false)
    {
        var request = new MetadataRequest { Topics = [new() { Name = name }], AllowAutoTopicCreation = allowAutoCreate };
        return Assert.Single((await _connection.SendAsync<MetadataResponse>(request, 9)).Topics);
    }

    private string[] PartitionDirectories(string topic)
        => [.. Directory.GetDirectories(_broker.DataDir).Select(Path.GetFileName).Where(d => d!.StartsWith(topic + "-", StringComparison.Ordinal)).Select(d => d!)];

    [Fact]
    public async Task CreateTopics_TopicsJsonCannotBeWritten_StorageErrorAndNothingLeft()
    {
        FailTopicsJson();

        var result = await CreateAsync("unwritten", 3);

        Assert.Equal((short)ErrorCode.KafkaStorageError, result.ErrorCode);
        Assert.Contains("No space left on device", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await MetadataAsync("unwritten")).ErrorCode);
        Assert.Empty(PartitionDirectories("unwritten"));
        Assert.False(File.Exists(Path.Combine(_broker.DataDir, "topics.json.tmp")));
        var produced = await _connection.ProduceAsync("unwritten", Wire.Batch(1_700_000_000_000, ("k", "v")));
        Assert.NotEqual(0, produced.ErrorCode);

        _disk.AppendFault = null;
        Assert.Equal(0, (await CreateAsync("unwritten", 3)).ErrorCode);
        Assert.Equal(3, (await MetadataAsync("unwritten")).Partitions.Count);
    }

    [Fact]
    public async Task CreatePartitions_TopicsJsonCannotBeWritten_StorageErrorAndCountUnchanged()
    {
        Assert.Equal(0, (await CreateAsync("growing", 1)).ErrorCode);
        FailTopicsJson();

        var result = await CreatePartitionsAsync("growing", 4);

        Assert.Equal((short)ErrorCode.KafkaStorageError, result.ErrorCode);
        Assert.Single((await MetadataAsync("growing")).Partitions);
        Assert.Equal(["growing-0"], PartitionDirectories("growing"));
    }

    [Fact]
    public async Task CreateTopics_MorePartitionsThanPerRequestLimit_InvalidPartitionsWithMessageAndNoDirectories()
    {
        var result = await CreateAsync("huge", 2_000_000);

        Assert.Equal((short)ErrorCode.InvalidPartitions, result.ErrorCode);
        Assert.Contains("max.partitions.per.request", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(PartitionDirectories("huge"));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await MetadataAsync("huge")).ErrorCode);
    }

    [Fact]
    public async Task CreateTopics_SeveralTopicsTogetherPastPerRequestLimit_LaterTopicRefused()
    {
        var request = new CreateTopicsRequest
        {
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic { Name = "half", NumPartitions = 5, ReplicationFactor = 1 },
                new CreateTopicsRequest.CreatableTopic { Name = "other-half", NumPartitions = 5, ReplicationFactor = 1 },
            ],
            TimeoutMs = 5000,
        };

        var results = (await _connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics;

        Assert.Equal(0, results[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidPartitions, results[1].ErrorCode);
        Assert.Contains("max.partitions.per.request", results[1].ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(PartitionDirectories("other-half"));
    }

    [Fact]
    public async Task CreateTopics_OnePartitionFailsToOpen_WholeTopicRolledBack()
    {
        var third = $"{Path.DirectorySeparatorChar}partial-2{Path.DirectorySeparatorChar}";
        _disk.AppendFault = path => path.Contains(third, StringComparison.Ordinal) ? new IOException("Too many open files") : null;

        var result = await CreateAsync("partial", 4);

        Assert.Equal((short)ErrorCode.KafkaStorageError, result.ErrorCode);
        Assert.Empty(PartitionDirectories("partial"));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await MetadataAsync("partial")).ErrorCode);
        _disk.AppendFault = null;
        Assert.Equal(0, (await CreateAsync("partial", 4)).ErrorCode);
    }

    [Fact]
    public async Task CreateTopicsAndPartitions_PastBrokerLimit_PolicyViolationWithMessage()
    {
        Assert.Equal(0, (await CreateAsync("first", 8)).ErrorCode);

        var topic = await CreateAsync("second", 5);
        var partitions = await CreatePartitionsAsync("first", 13);

        Assert.Equal((short)ErrorCode.PolicyViolation, topic.ErrorCode);
        Assert.Contains("max.partitions", topic.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((short)ErrorCode.PolicyViolation, partitions.ErrorCode);
        Assert.Empty(PartitionDirectories("second"));
        Assert.Equal(8, (await MetadataAsync("first")).Partitions.Count);
        Assert.Equal(0, (await CreateAsync("third", 4)).ErrorCode);
    }

    [Fact]
    public async Task Metadata_AutoCreatePastBrokerLimit_PolicyViolation()
    {
        Assert.Equal(0, (await CreateAsync("filler", 8)).ErrorCode);
        Assert.Equal(0, (await CreateAsync("more", 4)).ErrorCode);

        var auto = await MetadataAsync("auto", allowAutoCreate: true);

        Assert.Equal((short)ErrorCode.PolicyViolation, auto.ErrorCode);
        Assert.Empty(PartitionDirectories("auto"));
    }
}
