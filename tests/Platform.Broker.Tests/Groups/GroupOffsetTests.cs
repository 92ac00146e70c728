using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Groups;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Groups;

/// <summary>Committed offsets, group administration, persistence in __consumer_offsets, restarts and expiry.</summary>
public sealed class GroupOffsetTests : IAsyncLifetime
{
    private readonly List<GroupClient> _clients = [];
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "platform-group-offsets-" + Guid.NewGuid().ToString("N"));
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await StartAsync();
        var admin = await ClientAsync("admin");
        var created = await admin.SendAsync<CreateTopicsResponse>(
            new CreateTopicsRequest { TimeoutMs = 5000, Topics = [new() { Name = "orders", NumPartitions = 3, ReplicationFactor = 1 }, new() { Name = "audit", NumPartitions = 1, ReplicationFactor = 1 }] },
            5);
        Assert.All(created.Topics, t => Assert.Equal(0, t.ErrorCode));
    }

    public async Task DisposeAsync()
    {
        await DisconnectAllAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<EmbeddedBroker> StartAsync() => GroupMembershipTests.StartAsync(o => o.DataDir = _dataDir);

    private async Task DisconnectAllAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        _clients.Clear();
    }

    private async Task RestartAsync()
    {
        await DisconnectAllAsync();
        await _broker.StopAsync();
        await _broker.DisposeAsync();
        _broker = await StartAsync();
    }

    private async Task<GroupClient> ClientAsync(string group, string? instanceId = null)
    {
        var client = await GroupClient.ConnectAsync(_broker, group, instanceId);
        _clients.Add(client);
        return client;
    }

    private GroupCoordinator Coordinator => _broker.Services.GetRequiredService<GroupCoordinator>();

    private static List<OffsetFetchRequest.OffsetFetchRequestTopic> Partitions(string topic, params int[] partitions)
        => [new() { Name = topic, PartitionIndexes = [.. partitions] }];

    private static Dictionary<(string, int), long> Offsets(OffsetFetchResponse response)
        => response.Topics.SelectMany(t => t.Partitions.Select(p => ((t.Name, p.PartitionIndex), p.CommittedOffset))).ToDictionary();

    /// <summary>Kafka's consumer-protocol subscription (version 0): what lets OffsetDelete and expiry see the topics a group reads.</summary>
    private static byte[] Subscription(params string[] topics)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(0);
        new ConsumerProtocolSubscription { Topics = [.. topics], UserData = null }.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }

    private async Task<GroupClient> ConsumerMemberAsync(string group, params string[] topics)
    {
        var client = await ClientAsync(group);
        var protocols = new List<JoinGroupRequest.JoinGroupRequestProtocol> { new() { Name = "range", Metadata = Subscription(topics) } };
        var join = await client.JoinAsync(protocols: protocols);
        if (join.ErrorCode == (short)ErrorCode.MemberIdRequired)
        {
            join = await client.JoinAsync(protocols: protocols);
        }

        Assert.Equal(0, join.ErrorCode);
        Assert.Equal(0, (await client.SyncAsync(new() { [client.MemberId] = "a" })).ErrorCode);
        return client;
    }

    [Fact]
    public void PartitionFor_MatchesJavaStringHashCodeAndKafkaAbs()
    {
        Assert.Equal(0, GroupPartitioner.JavaHashCode(""));
        Assert.Equal(99162322, GroupPartitioner.JavaHashCode("hello"));
        Assert.Equal(1_513_705_513, GroupPartitioner.JavaHashCode("my-consumer-group"));
        // Java's famous string whose hash code is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
        Assert.Equal(int.MinValue, GroupPartitioner.JavaHashCode("polygenelubricants"));
        Assert.Equal(0, GroupPartitioner.PartitionFor("polygenelubricants", 50));
        Assert.Equal(13, GroupPartitioner.PartitionFor("my-consumer-group", 50));
    }

    [Fact]
    public async Task CommitThenFetch_SimpleGroup_NamedPartitionsAndAllPartitions()
    {
        var client = await ClientAsync("simple");
        Assert.Equal(ErrorCode.None, await client.CommitAsync("orders", 0, 42, "meta", version: 2, generation: -1, memberId: ""));
        Assert.Equal(ErrorCode.None, await client.CommitAsync("orders", 2, 7, null, version: 8, generation: -1, memberId: ""));

        var named = await client.FetchOffsetsAsync(Partitions("orders", 0, 1, 2), version: 1);
        var all = await client.FetchOffsetsAsync(null, version: 7, requireStable: true);
        var batched = await client.SendAsync<OffsetFetchResponse>(
            new OffsetFetchRequest { Groups = [new() { GroupId = "simple", Topics = null }, new() { GroupId = "nobody", Topics = null }] }, 8);

        Assert.Equal(new Dictionary<(string, int), long> { [("orders", 0)] = 42, [("orders", 1)] = -1, [("orders", 2)] = 7 }, Offsets(named));
        Assert.Equal("meta", named.Topics[0].Partitions[0].Metadata);
        Assert.Equal(new Dictionary<(string, int), long> { [("orders", 0)] = 42, [("orders", 2)] = 7 }, Offsets(all));
        Assert.Equal(0, all.ErrorCode);
        Assert.Equal(2, batched.Groups[0].Topics.Single().Partitions.Count);
        Assert.Empty(batched.Groups[1].Topics);
    }

    [Fact]
    public async Task Commit_UnknownPartitionOrLongMetadata_RejectedPerPartition()
    {
        var client = await ClientAsync("bad-commits");

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await client.CommitAsync("no-such-topic", 0, 1, generation: -1, memberId: ""));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, await client.CommitAsync("orders", 3, 1, generation: -1, memberId: ""));
        Assert.Equal(ErrorCode.OffsetMetadataTooLarge, await client.CommitAsync("orders", 0, 1, new string('x', 4097), generation: -1, memberId: ""));
        Assert.Equal(-1, Offsets(await client.FetchOffsetsAsync(Partitions("orders", 0)))[("orders", 0)]);
    }

    [Fact]
    public async Task Commit_MemberChecks_IllegalGenerationUnknownMemberRebalanceInProgress()
    {
        var member = await ConsumerMemberAsync("managed", "orders");
        var stranger = await ClientAsync("never-joined");

        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 5));
        Assert.Equal(ErrorCode.IllegalGeneration, await member.CommitAsync("orders", 0, 5, generation: member.Generation + 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await member.CommitAsync("orders", 0, 5, memberId: "ghost"));
        Assert.Equal(ErrorCode.IllegalGeneration, await stranger.CommitAsync("orders", 0, 5, generation: 3, memberId: "ghost"));

        var other = await ClientAsync("managed");
        await other.JoinAsync();
        var pending = other.JoinAsync();
        await member.WaitForRebalanceAsync();
        // Commits stay allowed while members rejoin, so they can commit what they consumed.
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 6));
        await member.JoinAsync(protocols: [new() { Name = "range", Metadata = Subscription("orders") }]);
        await pending;
        Assert.Equal(ErrorCode.RebalanceInProgress, await member.CommitAsync("orders", 0, 7));
    }

    [Fact]
    public async Task DeleteGroups_OnlyEmptyGroupsGo_WithTheirOffsets()
    {
        var active = await ConsumerMemberAsync("busy", "orders");
        var simple = await ClientAsync("idle");
        Assert.Equal(ErrorCode.None, await simple.CommitAsync("orders", 1, 9, generation: -1, memberId: ""));

        var response = await simple.SendAsync<DeleteGroupsResponse>(new DeleteGroupsRequest { GroupsNames = ["busy", "idle", "unknown", ""] }, 2);
        var listed = await simple.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), 4);

        Assert.Equal(
            [(short)ErrorCode.NonEmptyGroup, 0, (short)ErrorCode.GroupIdNotFound, (short)ErrorCode.InvalidGroupId],
            response.Results.Select(r => r.ErrorCode));
        Assert.Equal(-1, Offsets(await simple.FetchOffsetsAsync(Partitions("orders", 1)))[("orders", 1)]);
        Assert.DoesNotContain(listed.Groups, g => g.GroupId == "idle");
        Assert.Contains(listed.Groups, g => g.GroupId == "busy" && g.GroupState == "Stable" && g.ProtocolType == "consumer");
        Assert.Equal(ErrorCode.None, await active.HeartbeatAsync());
    }

    [Fact]
    public async Task ListGroups_StatesFilter_MatchesCaseInsensitively()
    {
        await ConsumerMemberAsync("stable-one", "orders");
        var simple = await ClientAsync("empty-one");
        await simple.CommitAsync("orders", 0, 1, generation: -1, memberId: "");

        var stable = await simple.SendAsync<ListGroupsResponse>(new ListGroupsRequest { StatesFilter = ["stable"] }, 4);
        var empty = await simple.SendAsync<ListGroupsResponse>(new ListGroupsRequest { StatesFilter = ["Empty"] }, 4);

        Assert.Equal(["stable-one"], stable.Groups.Select(g => g.GroupId));
        Assert.Equal(["empty-one"], empty.Groups.Select(g => g.GroupId));
    }

    [Fact]
    public async Task OffsetDelete_SubscribedTopicKept_OthersDeleted_UnknownGroupNotFound()
    {
        var member = await ConsumerMemberAsync("od", "orders");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 3));
        Assert.Equal(ErrorCode.None, await member.CommitAsync("audit", 0, 4));

        var response = await member.SendAsync<OffsetDeleteResponse>(
            new OffsetDeleteRequest { GroupId = "od", Topics = [new() { Name = "orders", Partitions = [new() { PartitionIndex = 0 }] }, new() { Name = "audit", Partitions = [new() { PartitionIndex = 0 }] }, new() { Name = "gone", Partitions = [new() { PartitionIndex = 0 }] }] },
            0);
        var unknown = await member.SendAsync<OffsetDeleteResponse>(new OffsetDeleteRequest { GroupId = "nope", Topics = [] }, 0);

        Assert.Equal(0, response.ErrorCode);
        Assert.Equal(
            [(short)ErrorCode.GroupSubscribedToTopic, 0, (short)ErrorCode.UnknownTopicOrPartition],
            response.Topics.Select(t => t.Partitions[0].ErrorCode));
        Assert.Equal((short)ErrorCode.GroupIdNotFound, unknown.ErrorCode);
        var offsets = Offsets(await member.FetchOffsetsAsync(null));
        Assert.Equal(3, offsets[("orders", 0)]);
        Assert.False(offsets.ContainsKey(("audit", 0)));
    }

    [Fact]
    public async Task Restart_OffsetsAndGroupsAreBack_MemberKeepsItsGeneration()
    {
        var member = await ConsumerMemberAsync("durable", "orders");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 1, 99, "m"));
        var simple = await ClientAsync("durable-simple");
        Assert.Equal(ErrorCode.None, await simple.CommitAsync("orders", 2, 11, generation: -1, memberId: ""));
        Assert.Equal(ErrorCode.None, await simple.CommitAsync("orders", 2, 12, generation: -1, memberId: ""));
        var (memberId, generation) = (member.MemberId, member.Generation);

        await RestartAsync();

        var client = await ClientAsync("durable");
        client.MemberId = memberId;
        client.Generation = generation;
        Assert.Equal(99, Offsets(await client.FetchOffsetsAsync(Partitions("orders", 1)))[("orders", 1)]);
        var other = await ClientAsync("durable-simple");
        Assert.Equal(12, Offsets(await other.FetchOffsetsAsync(null))[("orders", 2)]);
        var described = (await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["durable"] }, 5)).Groups[0];
        Assert.Equal(("Stable", "range"), (described.GroupState, described.ProtocolData));
        Assert.Equal(memberId, Assert.Single(described.Members).MemberId);
        Assert.Equal("a"u8.ToArray(), described.Members[0].MemberAssignment);
        Assert.Equal(ErrorCode.None, await client.HeartbeatAsync());
        var listed = await client.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), 3);
        Assert.Equal(["durable", "durable-simple"], listed.Groups.Select(g => g.GroupId).Order());
    }

    [Fact]
    public async Task Expiry_OffsetsOfEmptyGroupsExpire_TombstonesKeepThemGoneAfterRestart()
    {
        var member = await ConsumerMemberAsync("expiring", "orders");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 5));
        var simple = await ClientAsync("expiring-simple");
        Assert.Equal(ErrorCode.None, await simple.CommitAsync("orders", 0, 6, generation: -1, memberId: ""));
        var live = await ConsumerMemberAsync("live", "orders");
        Assert.Equal(ErrorCode.None, await live.CommitAsync("orders", 0, 7));
        await member.LeaveAsync();

        Coordinator.RemoveExpiredOffsetsAndGroups(DateTimeOffset.UtcNow.AddDays(8).ToUnixTimeMilliseconds());
        await RestartAsync();

        var check = await ClientAsync("expiring");
        var listed = await check.SendAsync<ListGroupsResponse>(new ListGroupsRequest(), 3);
        Assert.Equal(["live"], listed.Groups.Select(g => g.GroupId));
        Assert.Equal(-1, Offsets(await check.FetchOffsetsAsync(Partitions("orders", 0)))[("orders", 0)]);
        var liveCheck = await ClientAsync("live");
        Assert.Equal(7, Offsets(await liveCheck.FetchOffsetsAsync(Partitions("orders", 0)))[("orders", 0)]);
    }

    [Fact]
    public async Task UnloadedPartition_NotCoordinator_LoadingItBackRestoresTheGroup()
    {
        var member = await ConsumerMemberAsync("moving", "orders");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 17));
        var partition = Coordinator.PartitionFor("moving");

        Coordinator.UnloadPartition(partition);
        var whileAway = await member.HeartbeatAsync();
        var fetchAway = await member.FetchOffsetsAsync(Partitions("orders", 0));
        Coordinator.LoadPartition(partition);

        Assert.Equal(ErrorCode.NotCoordinator, whileAway);
        Assert.Equal((short)ErrorCode.NotCoordinator, fetchAway.ErrorCode);
        Assert.Equal(ErrorCode.None, await member.HeartbeatAsync());
        Assert.Equal(17, Offsets(await member.FetchOffsetsAsync(Partitions("orders", 0)))[("orders", 0)]);
    }

    [Fact]
    public async Task UnloadPartition_ParkedJoin_AnsweredNotCoordinator_LoadPartitionRestoresTheStoredGeneration()
    {
        var leader = await ConsumerMemberAsync("handover", "orders");
        var joining = await ClientAsync("handover");
        var parked = joining.JoinFullyAsync();
        await leader.WaitForRebalanceAsync();
        var partition = Coordinator.PartitionFor("handover");

        Coordinator.UnloadPartition(partition);
        var answer = await parked.WaitAsync(TimeSpan.FromSeconds(10));
        Coordinator.LoadPartition(partition);
        Coordinator.LoadPartition(partition);

        Assert.Equal((short)ErrorCode.NotCoordinator, answer.ErrorCode);
        // Back as the last durable generation said: stable, with the leader only.
        Assert.Equal(ErrorCode.None, await leader.HeartbeatAsync());
        var described = await leader.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["handover"] }, 5);
        Assert.Equal("Stable", described.Groups[0].GroupState);
        Assert.Equal([leader.MemberId], described.Groups[0].Members.Select(m => m.MemberId));
    }

    [Fact]
    public async Task StoppedCoordinator_CoordinatorNotAvailable()
    {
        var client = await ClientAsync("late");

        Coordinator.Stop();

        var find = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "late" }, 1);
        Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, find.ErrorCode);
        Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, (await client.JoinAsync()).ErrorCode);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, await client.CommitAsync("orders", 0, 1, generation: -1, memberId: ""));
    }
}
