using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Groups;

/// <summary>The classic group state machine over the wire: joins, rebalances, syncs, heartbeats, leaves and their errors.</summary>
public sealed class GroupMembershipTests : IAsyncLifetime
{
    private readonly List<GroupClient> _clients = [];
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _broker.DisposeAsync();
    }

    internal static Task<EmbeddedBroker> StartAsync(Action<BrokerOptions>? configure = null) => EmbeddedBroker.StartAsync(o =>
    {
        o.GroupInitialRebalanceDelayMs = 0;
        o.GroupMinSessionTimeoutMs = 100;
        o.OffsetsTopicNumPartitions = 5;
        configure?.Invoke(o);
    });

    private async Task<GroupClient> ClientAsync(string group, string? instanceId = null, EmbeddedBroker? broker = null)
    {
        var client = await GroupClient.ConnectAsync(broker ?? _broker, group, instanceId);
        _clients.Add(client);
        return client;
    }

    /// <summary>One member that joined and synced (leader of a one-member group).</summary>
    private async Task<GroupClient> StableMemberAsync(string group, int sessionTimeoutMs = 10_000, int rebalanceTimeoutMs = 10_000, string? instanceId = null)
    {
        var client = await ClientAsync(group, instanceId);
        var join = await client.JoinFullyAsync(sessionTimeoutMs, rebalanceTimeoutMs);
        Assert.Equal(0, join.ErrorCode);
        Assert.Equal(0, (await client.SyncAsync(new() { [client.MemberId] = "all" })).ErrorCode);
        return client;
    }

    private async Task<DescribeGroupsResponse.DescribedGroup> DescribeAsync(string group)
    {
        var client = await ClientAsync(group);
        return (await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = [group] }, 5)).Groups[0];
    }

    [Fact]
    public async Task FindCoordinator_Group_NamesThisBroker_AndCreatesInternalOffsetsTopic()
    {
        var client = await ClientAsync("g");

        var v0 = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "g" }, 0);
        var v4 = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { KeyType = 0, CoordinatorKeys = ["a", "b"] }, 4);
        var txn = await client.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = "t", KeyType = 1 }, 2);
        var metadata = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = null }, 9);

        Assert.Equal(0, v0.ErrorCode);
        Assert.Equal((1, "127.0.0.1", _broker.Port), (v0.NodeId, v0.Host, v0.Port));
        Assert.All(v4.Coordinators, c => Assert.Equal((0, 1, _broker.Port), (c.ErrorCode, c.NodeId, c.Port)));
        Assert.Equal((0, 1, _broker.Port), (txn.ErrorCode, txn.NodeId, txn.Port));
        var offsets = Assert.Single(metadata.Topics, t => t.Name == "__consumer_offsets");
        Assert.True(offsets.IsInternal);
        Assert.Equal(5, offsets.Partitions.Count);
    }

    [Fact]
    public async Task Join_V4_FirstAnswersMemberIdRequired_SecondJoinsAsLeader()
    {
        var client = await ClientAsync("two-step");

        var first = await client.JoinAsync(version: 4);
        var second = await client.JoinAsync(version: 4);

        Assert.Equal((short)ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.StartsWith("raw-test-", first.MemberId, StringComparison.Ordinal);
        Assert.Equal(0, second.ErrorCode);
        Assert.Equal(first.MemberId, second.MemberId);
        Assert.Equal(1, second.GenerationId);
        Assert.Equal(second.MemberId, second.Leader);
        Assert.Equal("range", second.ProtocolName);
        Assert.Equal("meta-range"u8.ToArray(), Assert.Single(second.Members).Metadata);
    }

    [Fact]
    public async Task Join_V0_JoinsInOneStep_SyncThenHeartbeatSucceed()
    {
        var client = await ClientAsync("v0");

        var join = await client.JoinAsync(version: 0);
        var sync = await client.SyncAsync(new() { [client.MemberId] = "mine" }, version: 0);

        Assert.Equal(0, join.ErrorCode);
        Assert.Equal(0, sync.ErrorCode);
        Assert.Equal("mine"u8.ToArray(), sync.Assignment);
        Assert.Equal(ErrorCode.None, await client.HeartbeatAsync(version: 0));
        Assert.Equal("Stable", (await DescribeAsync("v0")).GroupState);
    }

    [Fact]
    public async Task SecondMember_TriggersRebalance_BothGetTheNextGenerationAndTheirAssignments()
    {
        var a = await StableMemberAsync("pair");
        var b = await ClientAsync("pair");
        Assert.Equal((short)ErrorCode.MemberIdRequired, (await b.JoinAsync()).ErrorCode);

        var bJoin = b.JoinAsync();
        await a.WaitForRebalanceAsync();
        Assert.Equal("PreparingRebalance", (await DescribeAsync("pair")).GroupState);
        var aJoin = await a.JoinAsync();
        var bJoined = await bJoin;

        Assert.Equal((2, 2), (aJoin.GenerationId, bJoined.GenerationId));
        Assert.Equal(a.MemberId, aJoin.Leader);
        Assert.Equal(2, aJoin.Members.Count);
        Assert.Empty(bJoined.Members);
        Assert.Equal("CompletingRebalance", (await DescribeAsync("pair")).GroupState);

        var followerSync = b.SyncAsync();
        var leaderSync = await a.SyncAsync(new() { [a.MemberId] = "p0,p1", [b.MemberId] = "p2,p3" });
        Assert.Equal("p0,p1"u8.ToArray(), leaderSync.Assignment);
        Assert.Equal("p2,p3"u8.ToArray(), (await followerSync).Assignment);

        var described = await DescribeAsync("pair");
        Assert.Equal(("Stable", "consumer", "range"), (described.GroupState, described.ProtocolType, described.ProtocolData));
        Assert.Equal(["p0,p1", "p2,p3"], described.Members.Select(m => System.Text.Encoding.UTF8.GetString(m.MemberAssignment)).Order());
    }

    [Fact]
    public async Task Heartbeat_WrongGenerationOrMember_IllegalGenerationOrUnknownMember()
    {
        var a = await StableMemberAsync("hb");
        var stranger = await ClientAsync("no-such-group");

        Assert.Equal(ErrorCode.IllegalGeneration, await a.HeartbeatAsync(generation: a.Generation + 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await a.HeartbeatAsync(memberId: "ghost"));
        Assert.Equal(ErrorCode.UnknownMemberId, await stranger.HeartbeatAsync(generation: 1, memberId: "ghost"));
        Assert.Equal(ErrorCode.InvalidGroupId, (ErrorCode)(await stranger.SendAsync<HeartbeatResponse>(new HeartbeatRequest { GroupId = "", MemberId = "m" }, 3)).ErrorCode);
    }

    [Fact]
    public async Task Sync_WrongGenerationOrDuringRebalance_Rejected()
    {
        var a = await StableMemberAsync("sync");
        Assert.Equal((short)ErrorCode.IllegalGeneration, (await a.SyncAsync(generation: a.Generation + 5)).ErrorCode);

        var b = await ClientAsync("sync");
        await b.JoinAsync();
        var pending = b.JoinAsync();
        await a.WaitForRebalanceAsync();
        Assert.Equal((short)ErrorCode.RebalanceInProgress, (await a.SyncAsync()).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await a.SendAsync<SyncGroupResponse>(
            new SyncGroupRequest { GroupId = "sync", GenerationId = a.Generation, MemberId = a.MemberId, ProtocolType = "connect", Assignments = [] }, 5)).ErrorCode);
        await a.JoinAsync();
        await pending;
    }

    [Theory]
    [InlineData(50)]
    [InlineData(2_000_000)]
    public async Task Join_SessionTimeoutOutsideBrokerLimits_InvalidSessionTimeout(int sessionTimeoutMs)
    {
        var client = await ClientAsync("timeouts");

        var join = await client.JoinAsync(sessionTimeoutMs: sessionTimeoutMs);

        Assert.Equal((short)ErrorCode.InvalidSessionTimeout, join.ErrorCode);
    }

    [Fact]
    public async Task Join_IncompatibleProtocols_InconsistentGroupProtocol()
    {
        await StableMemberAsync("protocols");
        var otherType = await ClientAsync("protocols");
        var otherAssignor = await ClientAsync("protocols");
        var noProtocols = await ClientAsync("protocols-empty");

        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await otherType.JoinAsync(protocolType: "connect")).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await otherAssignor.JoinAsync(protocols: GroupClient.Protocols("sticky"))).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await noProtocols.JoinAsync(protocols: [])).ErrorCode);
    }

    [Fact]
    public async Task Join_BeyondGroupMaxSize_GroupMaxSizeReached()
    {
        await using var broker = await StartAsync(o => o.GroupMaxSize = 1);
        var first = await ClientAsync("full", broker: broker);
        Assert.Equal(0, (await first.JoinFullyAsync()).ErrorCode);
        var second = await ClientAsync("full", broker: broker);

        var join = await second.JoinFullyAsync();

        Assert.Equal((short)ErrorCode.GroupMaxSizeReached, join.ErrorCode);
    }

    [Fact]
    public async Task StaticMember_NewIncarnation_TakesOverWithoutRebalance_OldIdIsFenced()
    {
        var old = await StableMemberAsync("static", instanceId: "instance-1");
        var generation = old.Generation;
        var fresh = await ClientAsync("static", instanceId: "instance-1");

        var join = await fresh.JoinAsync();
        var sync = await fresh.SyncAsync();

        Assert.Equal(0, join.ErrorCode);
        Assert.NotEqual(old.MemberId, join.MemberId);
        Assert.StartsWith("instance-1-", join.MemberId, StringComparison.Ordinal);
        Assert.Equal(generation, join.GenerationId);
        Assert.Equal("all"u8.ToArray(), sync.Assignment);
        Assert.Equal(ErrorCode.FencedInstanceId, await old.HeartbeatAsync());
        Assert.Equal(ErrorCode.None, await fresh.HeartbeatAsync());
        Assert.Equal("instance-1", Assert.Single((await DescribeAsync("static")).Members).GroupInstanceId);
    }

    [Fact]
    public async Task StaticLeader_RejoinsWithV9_GetsMembersAndSkipAssignment()
    {
        var old = await StableMemberAsync("static-leader", instanceId: "leader-1");
        var fresh = await ClientAsync("static-leader", instanceId: "leader-1");

        var join = await fresh.JoinAsync(version: 9);

        Assert.Equal(0, join.ErrorCode);
        Assert.True(join.SkipAssignment);
        Assert.Equal(join.MemberId, join.Leader);
        Assert.Equal("leader-1", Assert.Single(join.Members).GroupInstanceId);
        Assert.Equal(old.Generation, join.GenerationId);
    }

    [Fact]
    public async Task SessionTimeout_SilentMemberRemoved_SurvivorRejoinsAndTakesEverything()
    {
        var a = await StableMemberAsync("sessions", sessionTimeoutMs: 5_000);
        var b = await ClientAsync("sessions");
        await b.JoinAsync(sessionTimeoutMs: 300);
        var bJoin = b.JoinAsync(sessionTimeoutMs: 300);
        await a.WaitForRebalanceAsync();
        await a.JoinAsync(sessionTimeoutMs: 5_000);
        await bJoin;
        var bSync = b.SyncAsync();
        await a.SyncAsync(new() { [a.MemberId] = "p0,p1", [b.MemberId] = "p2,p3" });
        Assert.Equal("p2,p3"u8.ToArray(), (await bSync).Assignment);

        // b stops heartbeating; a keeps going until it is told to rebalance.
        var error = ErrorCode.None;
        for (var i = 0; i < 50 && error == ErrorCode.None; i++)
        {
            await Task.Delay(50);
            error = await a.HeartbeatAsync();
        }

        Assert.Equal(ErrorCode.RebalanceInProgress, error);
        var rejoin = await a.JoinAsync(sessionTimeoutMs: 5_000);
        Assert.Equal(a.MemberId, Assert.Single(rejoin.Members).MemberId);
        Assert.Equal("p0,p1,p2,p3"u8.ToArray(), (await a.SyncAsync(new() { [a.MemberId] = "p0,p1,p2,p3" })).Assignment);
        Assert.Equal(ErrorCode.UnknownMemberId, await b.HeartbeatAsync());
    }

    [Fact]
    public async Task RebalanceTimeout_MemberThatDoesNotRejoin_IsDropped()
    {
        var a = await StableMemberAsync("slow", rebalanceTimeoutMs: 300);
        var b = await ClientAsync("slow");
        await b.JoinAsync(rebalanceTimeoutMs: 300);

        var join = await b.JoinAsync(rebalanceTimeoutMs: 300);

        Assert.Equal(0, join.ErrorCode);
        Assert.Equal(b.MemberId, join.Leader);
        Assert.Equal(b.MemberId, Assert.Single(join.Members).MemberId);
        Assert.Equal(ErrorCode.UnknownMemberId, await a.HeartbeatAsync());
    }

    [Fact]
    public async Task LeaveGroup_LastMemberLeaves_GroupIsEmpty_UnknownMemberRejected()
    {
        var a = await StableMemberAsync("leave");

        var leave = await a.LeaveAsync(version: 3);
        var again = await a.LeaveAsync(version: 1);

        Assert.Equal(0, leave.ErrorCode);
        Assert.Equal(0, Assert.Single(leave.Members).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, again.ErrorCode);
        await WaitForStateAsync("leave", "Empty");
    }

    [Fact]
    public async Task LeaveGroup_ByInstanceIdAlone_RemovesStaticMember_UnknownInstanceRejected()
    {
        var a = await StableMemberAsync("leave-static", instanceId: "s-1");
        var admin = await ClientAsync("leave-static");

        var leave = await admin.SendAsync<LeaveGroupResponse>(new LeaveGroupRequest { GroupId = "leave-static", Members = [new() { MemberId = "", GroupInstanceId = "s-1" }, new() { MemberId = "", GroupInstanceId = "s-2" }] }, 4);

        Assert.Equal([0, (short)ErrorCode.UnknownMemberId], leave.Members.Select(m => m.ErrorCode));
        Assert.Equal(ErrorCode.UnknownMemberId, await a.HeartbeatAsync());
    }

    private async Task WaitForStateAsync(string group, string state)
    {
        for (var i = 0; i < 100; i++)
        {
            if ((await DescribeAsync(group)).GroupState == state)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"Group {group} never reached {state}.");
    }
}
