using System.Collections.Concurrent;
using System.Text;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Groups;

namespace Platform.Client.Tests.Groups;

/// <summary>An application's own assignor plugged in with <c>SetPartitionAssignor</c>, on a real broker.</summary>
public sealed class CustomAssignorTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o =>
    {
        o.GroupInitialRebalanceDelayMs = 0;
        o.GroupMinSessionTimeoutMs = 500;
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    /// <summary>Gives every partition to the member whose user data says "owner" and tells each member its role in the assignment's user data.</summary>
    private sealed class OwnerTakesAllAssignor(string role) : IPartitionAssignor
    {
        public ConcurrentQueue<(MemberAssignment Assignment, int Generation)> Received { get; } = new();

        public string Name => "owner-takes-all";

        public RebalanceProtocol Protocol => RebalanceProtocol.Eager;

        public byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId) => Encoding.UTF8.GetBytes(role);

        public IReadOnlyDictionary<string, MemberAssignment> Assign(
            IReadOnlyDictionary<string, int> partitionsPerTopic,
            IReadOnlyDictionary<string, MemberSubscription> subscriptions)
        {
            var all = partitionsPerTopic.SelectMany(t => Enumerable.Range(0, t.Value).Select(p => new TopicPartition(t.Key, p))).ToList();
            return subscriptions.ToDictionary(
                s => s.Key,
                s =>
                {
                    var isOwner = Encoding.UTF8.GetString(s.Value.UserData ?? []) == "owner";
                    return new MemberAssignment(isOwner ? all : [], Encoding.UTF8.GetBytes(isOwner ? "you own all" : "you idle"));
                });
        }

        public void OnAssignment(MemberAssignment assignment, int generationId) => Received.Enqueue((assignment, generationId));
    }

    private IConsumer<string?, string?> Build(IPartitionAssignor assignor) => new ConsumerBuilder<string?, string?>(new ConsumerConfig
    {
        BootstrapServers = _broker.BootstrapServers,
        GroupId = "custom-group",
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 200,
        FetchMaxWaitMs = 50,
    }).SetPartitionAssignor(assignor).Build();

    [Fact]
    public async Task SetPartitionAssignor_TwoMembers_LeaderRunsItAndEachMemberGetsItsUserData()
    {
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "custom", NumPartitions = 3, ReplicationFactor = 1 }]);
        }

        var ownerAssignor = new OwnerTakesAllAssignor("owner");
        var idleAssignor = new OwnerTakesAllAssignor("idle");
        using var owner = Build(ownerAssignor);
        using var idle = Build(idleAssignor);
        owner.Subscribe("custom");
        idle.Subscribe("custom");
        using var stop = new CancellationTokenSource();
        var polls = new[] { owner, idle }.Select(c => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                c.Consume(TimeSpan.FromMilliseconds(50));
            }
        })).ToList();

        try
        {
            await GroupMember.WaitUntilAsync(
                () => owner.Assignment.Count == 3 && idle.MemberId is not null && idleAssignor.Received.Any(r => Encoding.UTF8.GetString(r.Assignment.UserData!) == "you idle"),
                "the owner holds all three partitions and the idle member heard its role");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(polls);
        }

        Assert.Empty(idle.Assignment);
        var last = ownerAssignor.Received.Last();
        Assert.Equal("you own all", Encoding.UTF8.GetString(last.Assignment.UserData!));
        Assert.Equal(3, last.Assignment.Partitions.Count);
        Assert.Equal(owner.ConsumerGroupMetadata!.GenerationId, last.Generation);
    }

    [Fact]
    public void SetPartitionAssignor_WithStrategyConfigured_BuildNamesTheKey()
    {
        var builder = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = "127.0.0.1:1",
            GroupId = "g",
            PartitionAssignmentStrategy = "range",
        }).SetPartitionAssignor(new OwnerTakesAllAssignor("owner"));

        var error = Assert.Throws<ArgumentException>(() => builder.Build());

        Assert.Contains("partition.assignment.strategy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_GroupAssignedPartition_YieldsNothingUntilResumed()
    {
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "pausing", NumPartitions = 2, ReplicationFactor = 1 }]);
        }

        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(new TopicPartition("pausing", 0), new Message<string?, string?> { Value = "p0" });
            await producer.ProduceAsync(new TopicPartition("pausing", 1), new Message<string?, string?> { Value = "p1" });
        }

        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "pause-group",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Subscribe("pausing");
        var received = new List<string?>();
        var deadline = Environment.TickCount64 + 15000;
        while (consumer.Assignment.Count < 2 && Environment.TickCount64 < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } early)
            {
                received.Add(early.Message!.Value);
            }
        }

        consumer.Pause([new TopicPartition("pausing", 0)]);
        if (received.Remove("p0"))
        {
            consumer.Seek(new TopicPartitionOffset(new TopicPartition("pausing", 0), 0));
        }

        for (var i = 0; i < 20; i++)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } result)
            {
                received.Add(result.Message!.Value);
            }
        }

        Assert.DoesNotContain("p0", received);
        Assert.Contains("p1", received);
        consumer.Resume([new TopicPartition("pausing", 0)]);
        deadline = Environment.TickCount64 + 15000;
        while (!received.Contains("p0") && Environment.TickCount64 < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } result)
            {
                received.Add(result.Message!.Value);
            }
        }

        Assert.Contains("p0", received);
    }
}
