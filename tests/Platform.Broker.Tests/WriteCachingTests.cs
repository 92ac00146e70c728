using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests;

/// <summary>
/// write.caching, the topic config (broker default log.write.caching, false): with false an acks=all
/// produce is answered after its fsync, with true after the write; acks=1 never waits. The key is
/// accepted by CreateTopics, AlterConfigs and DescribeConfigs like any topic config.
/// </summary>
public sealed class WriteCachingTests : IAsyncLifetime
{
    private readonly FaultInjectingFileSystem _disk = new();
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(configureServices: services => services.AddSingleton<IStorageFileSystem>(_disk));
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [Theory]
    [InlineData(null, -1, true)]
    [InlineData("false", -1, true)]
    [InlineData("true", -1, false)]
    [InlineData("false", 1, false)]
    public async Task Produce_WriteCachingAndAcks_FsyncedBeforeTheAnswerOnlyWhenDurable(string? writeCaching, short acks, bool fsyncedBeforeAnswer)
    {
        var topic = $"caching-{writeCaching ?? "default"}-{-acks}";
        await _connection.CreateTopicAsync(topic, writeCaching is null ? [] : [("write.caching", writeCaching)]);
        var logFile = Path.Combine(_broker.DataDir, $"{topic}-0", "00000000000000000000.log");
        var flushesBefore = _disk.FlushCount(logFile);
        // An fsync held back shows what the answer waits for: a durable ack cannot come while it is held.
        using var release = new SemaphoreSlim(0);
        _disk.FlushFault = path =>
        {
            if (path == logFile)
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };

        var produce = _connection.ProduceAsync(topic, Wire.Batch(1_700_000_000_000, ("k", "v")), acks);
        var wait = fsyncedBeforeAnswer ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(30);
        var answeredWhileFsyncHeld = await Task.WhenAny(produce, Task.Delay(wait)) == produce;
        release.Release(100);
        var result = await produce;
        _disk.FlushFault = null;

        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(!fsyncedBeforeAnswer, answeredWhileFsyncHeld);
        if (fsyncedBeforeAnswer)
        {
            Assert.True(_disk.FlushCount(logFile) > flushesBefore);
        }
    }

    [Fact]
    public async Task Produce_PipelinedOnOneConnection_NextIsWrittenWhileTheFirstWaitsForItsFsync_AnswersInOrder()
    {
        await _connection.CreateTopicAsync("held");
        await _connection.CreateTopicAsync("free");
        var heldLog = Path.Combine(_broker.DataDir, "held-0", "00000000000000000000.log");
        using var release = new SemaphoreSlim(0);
        _disk.FlushFault = path =>
        {
            if (path == heldLog)
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };

        // Back to back on one connection, as a producer with several requests in flight sends them; the
        // ListOffsets after them is not pipelined, so it is handled once both are answered.
        var batch = Wire.Batch(1_700_000_000_000, ("k", "v"));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("held", 0, batch), 9, 1001));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("free", 0, batch), 9, 1002));
        var listHeld = new ListOffsetsRequest { ReplicaId = -1, Topics = [new() { Name = "held", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }] };
        await _connection.SendRawAsync(RawConnection.Frame(listHeld, 7, 1003));

        await using var other = await RawConnection.ConnectAsync(_broker);
        var secondDurable = await Wire.EventuallyAsync(async () => await other.ListOffsetAsync("free", -1) == 1, TimeSpan.FromSeconds(10));
        var firstHeld = await other.ListOffsetAsync("held", -1);
        release.Release(100);
        _disk.FlushFault = null;

        Assert.True(secondDurable, "the second produce was not written while the first waited for its fsync");
        Assert.Equal(0, firstHeld);
        var first = RawConnection.Decode<ProduceResponse>((await _connection.ReadFrameAsync())!, ApiKey.Produce, 9, 1001);
        var second = RawConnection.Decode<ProduceResponse>((await _connection.ReadFrameAsync())!, ApiKey.Produce, 9, 1002);
        var listed = RawConnection.Decode<ListOffsetsResponse>((await _connection.ReadFrameAsync())!, ApiKey.ListOffsets, 7, 1003);
        Assert.Equal(0, first.Responses[0].PartitionResponses[0].ErrorCode);
        Assert.Equal(0, second.Responses[0].PartitionResponses[0].ErrorCode);
        Assert.Equal(1, listed.Topics[0].Partitions[0].Offset);
    }

    [Fact]
    public async Task Produce_PipelinedIntoOneFsyncRound_AnswersWrittenTogetherInOrder()
    {
        await _connection.CreateTopicAsync("round");
        var log = Path.Combine(_broker.DataDir, "round-0", "00000000000000000000.log");
        using var release = new SemaphoreSlim(0);
        _disk.FlushFault = path =>
        {
            if (path == log)
            {
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };

        // Appended while an fsync is held, so one round answers them all: the older answers' frames wait in the
        // buffer for the newer ones, an acks=0 produce among them (no answer) passes them on, and the ListOffsets
        // after them (not pipelined) is answered once they are written.
        var batch = Wire.Batch(1_700_000_000_000, ("k", "v"));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("round", 0, batch), 9, 2001));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("round", 0, batch), 9, 2002));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("round", 0, batch, acks: 0), 9, 2003));
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("round", 0, batch), 9, 2004));
        var list = new ListOffsetsRequest { ReplicaId = -1, Topics = [new() { Name = "round", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }] };
        await _connection.SendRawAsync(RawConnection.Frame(list, 7, 2005));
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        release.Release(100);
        _disk.FlushFault = null;

        long[] offsets = [0, 1, 3];
        int[] correlations = [2001, 2002, 2004];
        for (var i = 0; i < offsets.Length; i++)
        {
            var answer = RawConnection.Decode<ProduceResponse>((await _connection.ReadFrameAsync())!, ApiKey.Produce, 9, correlations[i]);
            Assert.Equal(0, answer.Responses[0].PartitionResponses[0].ErrorCode);
            Assert.Equal(offsets[i], answer.Responses[0].PartitionResponses[0].BaseOffset);
        }

        var listed = RawConnection.Decode<ListOffsetsResponse>((await _connection.ReadFrameAsync())!, ApiKey.ListOffsets, 7, 2005);
        Assert.Equal(4, listed.Topics[0].Partitions[0].Offset);
    }

    [Fact]
    public async Task DescribeAndAlterConfigs_WriteCaching_DefaultFalseThenSetOnTheTopic()
    {
        await _connection.CreateTopicAsync("described");
        Assert.Equal("false", await DescribeAsync("described"));

        var alter = new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "described", Configs = [new() { Name = "write.caching", ConfigOperation = 0, Value = "true" }] }],
        };
        Assert.Equal(0, (await _connection.SendAsync<IncrementalAlterConfigsResponse>(alter, 1)).Responses[0].ErrorCode);
        Assert.Equal("true", await DescribeAsync("described"));

        var bad = new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "described", Configs = [new() { Name = "write.caching", ConfigOperation = 0, Value = "sometimes" }] }],
        };
        var refused = (await _connection.SendAsync<IncrementalAlterConfigsResponse>(bad, 1)).Responses[0];
        Assert.Equal((short)ErrorCode.InvalidConfig, refused.ErrorCode);
        Assert.Contains("write.caching", refused.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_LogWriteCaching_IsTheBrokerDefaultOfWriteCaching()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{BrokerOptions.SectionName}:log.write.caching", "true")])
            .Build();
        var options = new BrokerOptions();
        BrokerConfiguration.Bind(configuration.GetSection(BrokerOptions.SectionName), options);

        Assert.Equal("true", options.TopicDefaults["write.caching"]);
        options.Validate();
    }

    [Fact]
    public void Bind_LogWriteCachingNotABoolean_NamesTheKey()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{BrokerOptions.SectionName}:log.write.caching", "sometimes")])
            .Build();
        var options = new BrokerOptions();

        var error = Assert.ThrowsAny<Exception>(() =>
        {
            BrokerConfiguration.Bind(configuration.GetSection(BrokerOptions.SectionName), options);
            options.Validate();
        });
        Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("write.caching", error.Message, StringComparison.Ordinal);
    }

    private async Task<string?> DescribeAsync(string topic)
    {
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = ["write.caching"] }] };
        var result = Assert.Single((await _connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results);
        Assert.Equal(0, result.ErrorCode);
        return Assert.Single(result.Configs).Value;
    }
}
