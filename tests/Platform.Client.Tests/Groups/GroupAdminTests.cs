using Platform.Broker;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Client.Tests.Groups;

/// <summary>The admin client's group operations, and membership edge cases, against a real broker.</summary>
public sealed class GroupAdminTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private IAdminClient _admin = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 500;
        });
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "t", NumPartitions = 2, ReplicationFactor = 1 }]);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task DescribeConsumerGroups_DecodesMembersSubscriptionsAndAssignments()
    {
        await using var member = new GroupMember(_broker.BootstrapServers, "described", ["t"], c => c.ClientId = "who");
        await GroupMember.WaitUntilAsync(() => member.Assignment.Count == 2, "assigned");

        var description = (await _admin.DescribeConsumerGroupsAsync(["described"])).ConsumerGroupDescriptions.Single();

        Assert.Equal((ConsumerGroupState.Stable, "range", false), (description.State, description.PartitionAssignor, description.IsSimpleConsumerGroup));
        var m = Assert.Single(description.Members);
        Assert.Equal(("who", "127.0.0.1", member.Consumer.MemberId), (m.ClientId, m.Host, m.ConsumerId));
        Assert.Equal(["t"], m.Topics);
        Assert.Equal([new TopicPartition("t", 0), new TopicPartition("t", 1)], m.Assignment.Partitions);
        Assert.NotNull(description.Coordinator);
    }

    [Fact]
    public async Task AlterListDeleteOffsets_OnEmptyGroup_AndAlterRefusedWhileActive()
    {
        await _admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets("offsets", [new TopicPartitionOffset("t", 0, 5), new TopicPartitionOffset("t", 1, 6)])]);
        var listed = await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("offsets", null)]);
        Assert.Equal([5L, 6L], listed[0].Partitions.Select(p => p.Offset.Value));

        var deleted = await _admin.DeleteConsumerGroupOffsetsAsync("offsets", [new TopicPartition("t", 0)]);
        Assert.Equal([new TopicPartition("t", 0)], deleted.Partitions);
        var after = await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("offsets", [new TopicPartition("t", 0), new TopicPartition("t", 1)])]);
        Assert.Equal([Offset.Unset, new Offset(6)], after[0].Partitions.Select(p => p.Offset));

        await using var member = new GroupMember(_broker.BootstrapServers, "busy", ["t"]);
        await GroupMember.WaitUntilAsync(() => member.Assignment.Count == 2, "assigned");
        var refused = await Assert.ThrowsAsync<AlterConsumerGroupOffsetsException>(
            () => _admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets("busy", [new TopicPartitionOffset("t", 0, 1)])]));
        Assert.Contains(refused.Error.Code, new[] { ErrorCode.UnknownMemberId, ErrorCode.IllegalGeneration });
        var subscribed = await Assert.ThrowsAsync<DeleteConsumerGroupOffsetsException>(() => _admin.DeleteConsumerGroupOffsetsAsync("busy", [new TopicPartition("t", 0)]));
        Assert.Equal(ErrorCode.GroupSubscribedToTopic, subscribed.Error.Code);
    }

    [Fact]
    public async Task DeleteGroups_UnknownGroup_GroupIdNotFound_ListSkipsDeleted()
    {
        await _admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets("gone", [new TopicPartitionOffset("t", 0, 1)])]);
        await _admin.DeleteGroupsAsync(["gone"]);

        var missing = await Assert.ThrowsAsync<DeleteGroupsException>(() => _admin.DeleteGroupsAsync(["gone"]));

        Assert.Equal(ErrorCode.GroupIdNotFound, missing.Error.Code);
        Assert.DoesNotContain((await _admin.ListConsumerGroupsAsync()).Valid, g => g.GroupId == "gone");
    }

    [Fact]
    public async Task MaxPollInterval_MemberThatStopsPolling_LeavesAndLosesItsPartitions()
    {
        void Short(ConsumerConfig c) => c.MaxPollIntervalMs = 1000;
        await using var stuck = new GroupMember(_broker.BootstrapServers, "slow", ["t"], Short);
        await using var healthy = new GroupMember(_broker.BootstrapServers, "slow", ["t"], Short);
        await GroupMember.WaitUntilAsync(() => stuck.Assignment.Count == 1 && healthy.Assignment.Count == 1, "one partition each");

        stuck.Pause();

        await GroupMember.WaitUntilAsync(() => healthy.Assignment.Count == 2, "the healthy member takes both partitions");
        Assert.Null(healthy.Failure);
    }

    [Fact]
    public async Task StaticMember_RestartWithinSession_KeepsItsPartitionsWithoutRebalance()
    {
        void Static(ConsumerConfig c)
        {
            c.GroupInstanceId = "instance-1";
            c.SessionTimeoutMs = 10000;
        }

        await using var other = new GroupMember(_broker.BootstrapServers, "static", ["t"]);
        var first = new GroupMember(_broker.BootstrapServers, "static", ["t"], Static);
        await GroupMember.WaitUntilAsync(() => first.Assignment.Count == 1 && other.Assignment.Count == 1, "one partition each");
        var kept = first.Assignment.Single();
        var eventsBefore = other.Events.Count;

        await first.DisposeAsync();
        await using var restarted = new GroupMember(_broker.BootstrapServers, "static", ["t"], Static);
        await GroupMember.WaitUntilAsync(() => restarted.Assignment.Count == 1, "the restarted member is back");

        Assert.Equal(kept, restarted.Assignment.Single());
        Assert.Equal(eventsBefore, other.Events.Count);
    }
}
