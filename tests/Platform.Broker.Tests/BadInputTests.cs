using System.Buffers.Binary;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests;

/// <summary>Malformed frames and invalid requests: the documented error, one connection closed at most, the broker keeps serving.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
        => _broker = await EmbeddedBroker.StartAsync(o => o.SocketRequestMaxBytes = 64 * 1024);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private async Task AssertBrokerStillServesAsync()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        var response = await connection.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 2);
        Assert.Equal(0, response.ErrorCode);
        Assert.NotEmpty(response.ApiKeys);
    }

    private static byte[] SizePrefix(int size)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, size);
        return bytes;
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(int.MaxValue)]
    public async Task Frame_SizeOutsideLimits_ClosesOnlyThatConnection(int size)
    {
        await using var bystander = await RawConnection.ConnectAsync(_broker);
        await using var connection = await RawConnection.ConnectAsync(_broker);

        await connection.SendRawAsync(SizePrefix(size));

        Assert.True(await connection.IsClosedByBrokerAsync());
        var response = await bystander.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 0);
        Assert.Equal(0, response.ErrorCode);
    }

    [Fact]
    public async Task Frame_Garbage_ClosesConnection()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        var garbage = new byte[64];
        new Random(7).NextBytes(garbage);
        BinaryPrimitives.WriteInt32BigEndian(garbage, 60);
        // A request header for API key 3 (Metadata) v1, followed by random bytes as the body.
        BinaryPrimitives.WriteInt16BigEndian(garbage.AsSpan(4), 3);
        BinaryPrimitives.WriteInt16BigEndian(garbage.AsSpan(6), 1);
        BinaryPrimitives.WriteInt16BigEndian(garbage.AsSpan(12), 2);

        await connection.SendRawAsync(garbage);

        Assert.True(await connection.IsClosedByBrokerAsync());
        await AssertBrokerStillServesAsync();
    }

    [Fact]
    public async Task Frame_TruncatedBody_ClosesConnection()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        var frame = RawConnection.Frame(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "some-topic" }] }, 4, 1);
        // Claim four fewer bytes than the body has: the header parses, the body runs out.
        var cut = frame[..^4];
        BinaryPrimitives.WriteInt32BigEndian(cut, cut.Length - 4);

        await connection.SendRawAsync(cut);

        Assert.True(await connection.IsClosedByBrokerAsync());
        await AssertBrokerStillServesAsync();
    }

    [Fact]
    public async Task Connection_ClosedMidFrame_BrokerKeepsServing()
    {
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            await connection.SendRawAsync([.. SizePrefix(100), 0, 18, 0, 0]);
        }

        await AssertBrokerStillServesAsync();
    }

    [Fact]
    public async Task Request_UnknownApiKey_ClosesConnection()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        byte[] frame = [.. SizePrefix(10), 0x03, 0xE7, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF];

        await connection.SendRawAsync(frame);

        Assert.True(await connection.IsClosedByBrokerAsync());
        await AssertBrokerStillServesAsync();
    }

    [Theory]
    [InlineData((short)10)]
    [InlineData((short)11)]
    public async Task Metadata_NullTopicNameBeforeV12_ClosesConnectionQuietly(short version)
    {
        // Found by the fuzz test: the answer cannot name the topic below v12, so writing it threw and the
        // connection ended with an error logged. Kafka refuses such a request as invalid.
        var log = new CollectingLoggerProvider();
        await using var broker = await EmbeddedBroker.StartAsync(logging: log);
        await using var connection = await RawConnection.ConnectAsync(broker);
        var request = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = null, TopicId = Guid.NewGuid() }] };

        await connection.SendRawAsync(RawConnection.Frame(request, version, 1));

        Assert.True(await connection.IsClosedByBrokerAsync());
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("null name needs v12", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiVersions_TooNewVersion_AnswersUnsupportedVersionInV0Body()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        byte[] frame = [.. SizePrefix(10), 0, 18, 0, 99, 0, 0, 0, 42, 0xFF, 0xFF];

        await connection.SendRawAsync(frame);
        var response = RawConnection.Decode<ApiVersionsResponse>((await connection.ReadFrameAsync())!, ApiKey.ApiVersions, 0, 42);

        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        var own = Assert.Single(response.ApiKeys, k => k.ApiKey == (short)ApiKey.ApiVersions);
        Assert.Equal(0, own.MinVersion);
        Assert.Equal(3, own.MaxVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has/slash")]
    [InlineData("has space")]
    [InlineData("ünicode")]
    public async Task CreateTopics_InvalidName_InvalidTopicException(string name)
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);

        var response = await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest(name, 1), 5);

        Assert.Equal((short)ErrorCode.InvalidTopicException, Assert.Single(response.Topics).ErrorCode);
    }

    [Fact]
    public async Task CreateTopics_NameTooLong_InvalidTopicException()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);

        var response = await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest(new string('a', 250), 1), 5);

        Assert.Equal((short)ErrorCode.InvalidTopicException, Assert.Single(response.Topics).ErrorCode);
    }

    [Fact]
    public async Task CreateTopics_Errors_MatchKafka()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        Assert.Equal(0, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("exists", 1), 7)).Topics).ErrorCode);

        Assert.Equal((short)ErrorCode.TopicAlreadyExists, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("exists", 1), 7)).Topics).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidPartitions, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("zero", 0), 7)).Topics).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidReplicationFactor, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("rf", 1, 3), 7)).Topics).ErrorCode);
        var badConfig = Wire.CreateTopicRequest("bad-config", 1);
        badConfig.Topics[0].Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = "retention.ms", Value = "soon" });
        Assert.Equal((short)ErrorCode.InvalidConfig, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(badConfig, 7)).Topics).ErrorCode);
        var unknownConfig = Wire.CreateTopicRequest("unknown-config", 1);
        unknownConfig.Topics[0].Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = "no.such.config", Value = "1" });
        Assert.Equal((short)ErrorCode.InvalidConfig, Assert.Single((await connection.SendAsync<CreateTopicsResponse>(unknownConfig, 7)).Topics).ErrorCode);

        var metadata = await connection.SendAsync<MetadataResponse>(new MetadataRequest { Topics = null }, 12);
        Assert.Equal(["exists"], metadata.Topics.Select(t => t.Name));
    }

    [Fact]
    public async Task Metadata_InvalidOrUnknownTopic_ReturnsTopicError()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        var request = new MetadataRequest
        {
            Topics = [new() { Name = "bad name" }, new() { Name = "absent" }],
            AllowAutoTopicCreation = false,
        };

        var response = await connection.SendAsync<MetadataResponse>(request, 9);

        Assert.Equal((short)ErrorCode.InvalidTopicException, response.Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[1].ErrorCode);
        Assert.Equal(1, response.ControllerId);
        Assert.Equal(_broker.Port, Assert.Single(response.Brokers).Port);
    }

    [Fact]
    public async Task Fetch_UnknownPartitionAndOutOfRangeOffset_ReturnErrors()
    {
        await using var connection = await RawConnection.ConnectAsync(_broker);
        await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("fetch-errors", 1), 7);
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            Topics =
            [
                new FetchRequest.FetchTopic
                {
                    Topic = "fetch-errors",
                    Partitions =
                    [
                        new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 5, PartitionMaxBytes = 1024 },
                        new FetchRequest.FetchPartition { Partition = 3, FetchOffset = 0, PartitionMaxBytes = 1024 },
                    ],
                },
            ],
        };

        var response = await connection.SendAsync<FetchResponse>(request, 11);

        var partitions = Assert.Single(response.Responses).Partitions;
        Assert.Equal((short)ErrorCode.OffsetOutOfRange, partitions[0].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, partitions[1].ErrorCode);
    }
}
