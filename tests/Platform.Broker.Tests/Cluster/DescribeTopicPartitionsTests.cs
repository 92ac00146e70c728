using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Cluster;

/// <summary>DescribeTopicPartitions on a single broker over the wire: what it shows, and its cursor paging.</summary>
public sealed class DescribeTopicPartitionsTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _connection = await RawConnection.ConnectAsync(_broker);
        foreach (var (name, partitions) in new[] { ("alpha", 3), ("beta", 2), ("gamma", 4) })
        {
            var created = await _connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest(name, partitions), 7);
            Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
        }
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private Task<DescribeTopicPartitionsResponse> DescribeAsync(int limit, DescribeTopicPartitionsRequest.CursorData? cursor, params string[] topics)
        => _connection.SendAsync<DescribeTopicPartitionsResponse>(
            new DescribeTopicPartitionsRequest { Topics = [.. topics.Select(t => new DescribeTopicPartitionsRequest.TopicRequest { Name = t })], ResponsePartitionLimit = limit, Cursor = cursor },
            0);

    [Fact]
    public async Task ApiVersions_AdvertisesDescribeTopicPartitionsV0()
    {
        var versions = await _connection.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3);

        var api = Assert.Single(versions.ApiKeys, k => k.ApiKey == 75);
        Assert.Equal((0, 0), (api.MinVersion, api.MaxVersion));
    }

    [Fact]
    public async Task NamedTopics_ShowLeaderReplicasIsrEpochAndOperations_UnknownAndInvalidNamesAnswerTheirErrors()
    {
        var response = await DescribeAsync(2000, null, "beta", "missing", "bad/name", "alpha");

        Assert.Null(response.NextCursor);
        Assert.Equal(["alpha", "bad/name", "beta", "missing"], response.Topics.Select(t => t.Name));
        var alpha = response.Topics[0];
        Assert.Equal(0, alpha.ErrorCode);
        Assert.NotEqual(Guid.Empty, alpha.TopicId);
        Assert.False(alpha.IsInternal);
        Assert.Equal(Handlers.MetadataHandler.AllTopicOperations, alpha.TopicAuthorizedOperations);
        Assert.Equal([0, 1, 2], alpha.Partitions.Select(p => p.PartitionIndex));
        foreach (var partition in alpha.Partitions)
        {
            Assert.Equal(0, partition.ErrorCode);
            Assert.Equal(_broker.Options.NodeId, partition.LeaderId);
            Assert.Equal(0, partition.LeaderEpoch);
            Assert.Equal([_broker.Options.NodeId], partition.ReplicaNodes);
            Assert.Equal([_broker.Options.NodeId], partition.IsrNodes);
            Assert.Empty(partition.OfflineReplicas);
            Assert.Empty(partition.EligibleLeaderReplicas!);
            Assert.Empty(partition.LastKnownElr!);
        }

        Assert.Equal((short)ErrorCode.InvalidTopicException, response.Topics[1].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[3].ErrorCode);
        Assert.Empty(response.Topics[3].Partitions);
    }

    [Fact]
    public async Task AllTopics_PagedByThePartitionLimit_CursorsWalkEveryPartitionOnce()
    {
        var seen = new List<string>();
        var cursors = new List<string>();
        DescribeTopicPartitionsRequest.CursorData? cursor = null;
        do
        {
            var page = await DescribeAsync(3, cursor);
            Assert.True(page.Topics.Sum(t => t.Partitions.Count) <= 3);
            seen.AddRange(page.Topics.SelectMany(t => t.Partitions.Select(p => $"{t.Name}-{p.PartitionIndex}")));
            cursor = page.NextCursor is { } next ? new DescribeTopicPartitionsRequest.CursorData { TopicName = next.TopicName, PartitionIndex = next.PartitionIndex } : null;
            if (cursor is not null)
            {
                cursors.Add($"{cursor.TopicName}-{cursor.PartitionIndex}");
            }
        }
        while (cursor is not null && seen.Count < 100);

        Assert.Equal(["alpha-0", "alpha-1", "alpha-2", "beta-0", "beta-1", "gamma-0", "gamma-1", "gamma-2", "gamma-3"], seen);
        // A page that ends mid-topic points into it; one that ends exactly at a topic's end points at the next topic's start.
        Assert.Equal(["beta-0", "gamma-1"], cursors);
    }

    [Fact]
    public async Task Cursor_StartsInsideTheNamedTopic_MustBeOneOfTheNamedTopicsAndNotNegative()
    {
        var from = await DescribeAsync(10, new() { TopicName = "gamma", PartitionIndex = 2 }, "alpha", "gamma");
        Assert.Equal(["gamma"], from.Topics.Select(t => t.Name));
        Assert.Equal([2, 3], from.Topics[0].Partitions.Select(p => p.PartitionIndex));
        Assert.Null(from.NextCursor);

        var notNamed = await DescribeAsync(10, new() { TopicName = "beta", PartitionIndex = 0 }, "alpha", "gamma");
        Assert.All(notNamed.Topics, t => Assert.Equal((short)ErrorCode.InvalidRequest, t.ErrorCode));

        var negative = await DescribeAsync(10, new() { TopicName = "alpha", PartitionIndex = -1 }, "alpha");
        Assert.Equal((short)ErrorCode.InvalidRequest, Assert.Single(negative.Topics).ErrorCode);
    }
}
