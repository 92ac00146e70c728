using System.Text.RegularExpressions;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Client.Tests.Groups;

/// <summary>Our consumers as members of consumer groups on a real broker.</summary>
public sealed class ConsumerGroupTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await StartAsync(null);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static Task<EmbeddedBroker> StartAsync(string? dataDir) => EmbeddedBroker.StartAsync(o =>
    {
        if (dataDir is not null)
        {
            o.DataDir = dataDir;
        }

        o.GroupInitialRebalanceDelayMs = 0;
        o.GroupMinSessionTimeoutMs = 500;
    });

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private async Task ProduceAsync(string topic, int partitions, int perPartition)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        for (var p = 0; p < partitions; p++)
        {
            for (var i = 0; i < perPartition; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, p), new Message<string?, string?> { Key = null, Value = $"{p}-{i}" });
            }
        }
    }

    private GroupMember Member(string group, string topic, Action<ConsumerConfig>? configure = null, bool commitEachRecord = false)
        => new(_broker.BootstrapServers, group, [topic], configure, commitEachRecord);

    private static bool Covers(IEnumerable<GroupMember> members, int partitions)
    {
        var all = members.SelectMany(m => m.Assignment).ToList();
        return all.Count == partitions && all.Distinct().Count() == partitions;
    }

    [Fact]
    public async Task TwoConsumers_SplitFourPartitions_ThenOneLeaves_AndTheOtherTakesAll()
    {
        await CreateTopicAsync("split", 4);
        await ProduceAsync("split", 4, 10);
        await using var a = Member("split-group", "split");
        var b = Member("split-group", "split");

        await GroupMember.WaitUntilAsync(() => a.Assignment.Count == 2 && b.Assignment.Count == 2 && Covers([a, b], 4), "2 + 2 partitions");
        Assert.Empty(a.Assignment.Intersect(b.Assignment));
        await GroupMember.WaitUntilAsync(() => a.Received.Count + b.Received.Count >= 40, "all 40 records");

        await b.DisposeAsync();
        await GroupMember.WaitUntilAsync(() => a.Assignment.Count == 4, "the remaining member owns all 4");
        Assert.Null(a.Failure);
        Assert.Equal(40, a.Received.Concat(b.Received).Select(r => r.Message!.Value).Distinct().Count());
    }

    [Fact]
    public async Task CooperativeSticky_ThirdMemberJoins_OnlyOnePartitionMoves()
    {
        await CreateTopicAsync("coop", 4);
        void Coop(ConsumerConfig c) => c.PartitionAssignmentStrategy = "cooperative-sticky";
        await using var a = Member("coop-group", "coop", Coop);
        await using var b = Member("coop-group", "coop", Coop);
        await GroupMember.WaitUntilAsync(() => Covers([a, b], 4) && a.Assignment.Count == 2, "2 + 2 partitions");
        var before = (A: a.Assignment.ToHashSet(), B: b.Assignment.ToHashSet());
        var revokedBefore = (A: a.Revoked.Count, B: b.Revoked.Count);

        await using var c = Member("coop-group", "coop", Coop);
        await GroupMember.WaitUntilAsync(() => c.Assignment.Count == 1 && Covers([a, b, c], 4), "the newcomer owns one partition");

        Assert.Subset(before.A, a.Assignment.ToHashSet());
        Assert.Subset(before.B, b.Assignment.ToHashSet());
        var revoked = a.Revoked.Skip(revokedBefore.A).Concat(b.Revoked.Skip(revokedBefore.B)).SelectMany(r => r).ToList();
        Assert.Equal(c.Assignment, revoked);
        Assert.DoesNotContain(a.Events.Concat(b.Events), e => e.StartsWith("lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KilledConsumer_AfterSessionTimeout_PartitionsMove_NothingLost_DuplicatesOnlyAfterLastCommit()
    {
        await CreateTopicAsync("crash", 2);
        await ProduceAsync("crash", 2, 50);
        void Fast(ConsumerConfig c)
        {
            c.SessionTimeoutMs = 1000;
            c.EnableAutoCommit = false;
            c.Set("internal.leave.group.on.close", "false");
        }

        var victim = Member("crash-group", "crash", Fast, commitEachRecord: true);
        await GroupMember.WaitUntilAsync(() => victim.Received.Count >= 100 || victim.Failure is not null, "the first member reads everything");
        await victim.DisposeAsync();
        Assert.Null(victim.Failure);

        // Committed after each record: the survivor re-reads nothing, and every record was seen.
        await using var survivor = Member("crash-group", "crash", Fast);
        await GroupMember.WaitUntilAsync(() => survivor.Assignment.Count == 2, "the survivor gets both partitions after the session timeout", 20000);
        await ProduceAsync("crash", 2, 1);
        await GroupMember.WaitUntilAsync(() => survivor.Received.Count >= 2, "new records");
        await Task.Delay(300);
        Assert.Equal([50L, 50L], survivor.Received.Select(r => r.Offset.Value));
    }

    [Fact]
    public async Task KilledConsumerWithoutCommit_SurvivorRereadsFromLastCommit()
    {
        await CreateTopicAsync("redo", 1);
        await ProduceAsync("redo", 1, 20);
        var config = new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "redo-group",
            AutoOffsetReset = Client.AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 1000,
            HeartbeatIntervalMs = 100,
            FetchMaxWaitMs = 50,
        };
        config.Set("internal.leave.group.on.close", "false");
        var victim = new ConsumerBuilder<string?, string?>(config).Build();
        victim.Subscribe("redo");
        for (var i = 0; i < 15; i++)
        {
            var record = victim.Consume(TimeSpan.FromSeconds(10))!;
            if (i == 9)
            {
                victim.Commit(record);
            }
        }

        victim.Close();

        await using var survivor = Member("redo-group", "redo", c => c.SessionTimeoutMs = 1000);
        await GroupMember.WaitUntilAsync(() => survivor.Received.Count >= 10, "the survivor resumes", 20000);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"0-{i}"), survivor.Received.Select(r => r.Message!.Value));
    }

    [Fact]
    public async Task TwoGroups_EachReceiveEveryRecord()
    {
        await CreateTopicAsync("fanout", 3);
        await ProduceAsync("fanout", 3, 5);
        await using var first = Member("fanout-1", "fanout");
        await using var second = Member("fanout-2", "fanout");

        await GroupMember.WaitUntilAsync(() => first.Received.Count == 15 && second.Received.Count == 15, "15 records in each group");
    }

    [Fact]
    public async Task RestartBroker_CommittedOffsetsAndGroupsAreBack()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "platform-gclient-" + Guid.NewGuid().ToString("N"));
        await _broker.DisposeAsync();
        _broker = await StartAsync(dataDir);
        try
        {
            await CreateTopicAsync("durable", 2);
            using (var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "durable-group" }).Build())
            {
                consumer.Commit([new TopicPartitionOffset("durable", 0, 7), new TopicPartitionOffset("durable", 1, 3)]);
            }

            await _broker.DisposeAsync();
            _broker = await StartAsync(dataDir);

            using var again = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "durable-group" }).Build();
            var committed = again.Committed([new TopicPartition("durable", 0), new TopicPartition("durable", 1)], TimeSpan.FromSeconds(10));
            Assert.Equal([7L, 3L], committed.Select(c => c.Offset.Value));
            await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
            var groups = await admin.ListConsumerGroupsAsync();
            Assert.Contains(groups.Valid, g => g.GroupId == "durable-group");
        }
        finally
        {
            await _broker.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
            _broker = await StartAsync(null);
        }
    }

    [Fact]
    public async Task PatternSubscription_PicksUpNewTopicOnMetadataRefresh()
    {
        await CreateTopicAsync("metrics-a", 1);
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "pattern-group",
            AutoOffsetReset = Client.AutoOffsetReset.Earliest,
            MetadataMaxAgeMs = 200,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Subscribe(new Regex("^metrics-.*"));
        consumer.Consume(TimeSpan.FromMilliseconds(500));
        Assert.Equal(["metrics-a"], consumer.Subscription);

        await CreateTopicAsync("metrics-b", 1);
        await ProduceAsync("metrics-b", 1, 1);
        var result = consumer.Consume(TimeSpan.FromSeconds(10));

        Assert.Equal("metrics-b", result?.Topic);
        Assert.Equal(["metrics-a", "metrics-b"], consumer.Subscription);
    }

    /// <summary>
    /// A Connect sink started beside the source that creates its topic joined before the topic existed and sat
    /// with no partitions until the next metadata refresh (metadata.max.age.ms, 5 minutes by default).
    /// </summary>
    [Fact]
    public async Task SubscribedTopicCreatedAfterTheJoin_AssignedWithinSeconds_NotAtTheNextMetadataRefresh()
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "later-group",
            AutoOffsetReset = Client.AutoOffsetReset.Earliest,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Subscribe("later");
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));
        Assert.Empty(consumer.Assignment);

        await CreateTopicAsync("later", 1);
        await ProduceAsync("later", 1, 1);
        var result = consumer.Consume(TimeSpan.FromSeconds(15));

        Assert.Equal("0-0", result?.Message?.Value);
        Assert.Equal([new TopicPartition("later", 0)], consumer.Assignment);
    }

    [Fact]
    public async Task AutoCommit_CommitsConsumedPositionsOnClose_NextMemberStartsThere()
    {
        await CreateTopicAsync("auto", 1);
        await ProduceAsync("auto", 1, 10);
        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "auto-group", AutoOffsetReset = Client.AutoOffsetReset.Earliest, FetchMaxWaitMs = 50 };
        using (var consumer = new ConsumerBuilder<string?, string?>(config).Build())
        {
            consumer.Subscribe("auto");
            for (var i = 0; i < 4; i++)
            {
                Assert.NotNull(consumer.Consume(TimeSpan.FromSeconds(10)));
            }

            Assert.Equal(6, consumer.CurrentLag(new TopicPartition("auto", 0)));
        }

        using var next = new ConsumerBuilder<string?, string?>(config).Build();
        next.Subscribe("auto");
        Assert.Equal("0-4", next.Consume(TimeSpan.FromSeconds(10))?.Message?.Value);
    }

    [Fact]
    public void SubscribeAndAssign_CannotBeMixed_AndGroupsNeedGroupId()
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "modes" }).Build();
        consumer.Subscribe("anything");
        var assign = Assert.Throws<InvalidOperationException>(() => consumer.Assign(new TopicPartition("anything", 0)));
        Assert.Contains("Unsubscribe", assign.Message);

        using var manual = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "modes-2" }).Build();
        manual.Assign(new TopicPartition("anything", 0));
        Assert.Throws<InvalidOperationException>(() => manual.Subscribe("anything"));

        using var groupless = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        Assert.Throws<InvalidOperationException>(() => groupless.Subscribe("anything"));
        Assert.Equal(ErrorCode.InvalidGroupId, Assert.Throws<KafkaException>(() => groupless.Commit([new TopicPartitionOffset("anything", 0, 1)])).Error.Code);
    }

    [Fact]
    public async Task BadCommits_SurfaceKafkaErrorCodes_AndTheMemberKeepsWorking()
    {
        await CreateTopicAsync("bad", 1);
        await ProduceAsync("bad", 1, 3);
        await using var member = Member("bad-group", "bad");
        await GroupMember.WaitUntilAsync(() => member.Received.Count == 3, "3 records");

        // An outsider (generation -1, no member id) committing for the active group.
        using var outsider = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "bad-group" }).Build();
        var unknownMember = Assert.Throws<TopicPartitionOffsetException>(() => outsider.Commit([new TopicPartitionOffset("bad", 0, 1)]));
        Assert.Contains(unknownMember.Error.Code, new[] { ErrorCode.UnknownMemberId, ErrorCode.IllegalGeneration });

        // A partition that does not exist.
        using var empty = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "empty-group" }).Build();
        var unknownPartition = Assert.Throws<TopicPartitionOffsetException>(() => empty.Commit([new TopicPartitionOffset("no-such-topic", 9, 1)]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknownPartition.Error.Code);

        await ProduceAsync("bad", 1, 1);
        await GroupMember.WaitUntilAsync(() => member.Received.Count == 4, "the member still consumes");
        Assert.Null(member.Failure);
    }

    [Fact]
    public async Task Consume_WhileNoCoordinatorCanBeReached_ReturnsNothingWithoutThrowing_ThenJoinsOnceABrokerAnswers()
    {
        // A port nothing listens on yet; the broker comes up there later.
        var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        var port = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig
        {
            BootstrapServers = $"127.0.0.1:{port}",
            GroupId = "no-coordinator-yet",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe("later");

        // The group's join finds no coordinator: the poll ends empty, as Kafka's does, instead of failing.
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(3)));

        await using var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.Listen = $"127.0.0.1:{port}";
            o.GroupInitialRebalanceDelayMs = 0;
        });
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync("later", new Message<string?, string?> { Key = "k", Value = "arrived" });
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        ConsumeResult<string?, string?>? result = null;
        while (result is null && DateTime.UtcNow < deadline)
        {
            result = consumer.Consume(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("arrived", result?.Message?.Value);
    }
}
