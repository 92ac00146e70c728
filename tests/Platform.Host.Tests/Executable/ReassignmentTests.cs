using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// One cluster of three broker processes on racks a, a, b (brokers 1 and 2 share a rack), shared by the
/// <see cref="ReassignmentTests"/>. The session timeout is long, so a broker stopped for a few seconds (SIGSTOP) stays
/// registered: a replica that can't catch up, holding its reassignment in progress.
/// </summary>
public sealed class RackedClusterFixture : IAsyncLifetime
{
    internal ProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ProcessCluster.StartAsync(
        "broker.session.timeout.ms=20000\nreplica.lag.time.max.ms=3000\nauto.leader.rebalance.enable=false\n",
        brokerProperties: id => $"broker.rack={(id == 3 ? "b" : "a")}");

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Partition reassignment across real broker processes with the <c>platform reassign-partitions</c> CLI: a move to
/// other brokers while kafkajs writes with acks=all, replication factor changes, a cancelled move, and CreatePartitions
/// placing the new replicas across racks; kcat -L shows the outcome.
/// </summary>
public sealed class ReassignmentTests(RackedClusterFixture fixture) : IClassFixture<RackedClusterFixture>, IDisposable
{
    private readonly ProcessCluster _cluster = fixture.Cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("platform-reassign-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task GeneratedReassignment_UnderKafkaJsLoad_MovesReplicasWithoutLossOrDuplicates()
    {
        const string topic = "moving";
        await CreateTopicAsync(topic, [1, 3], [3, 1]);
        var produce = _cluster.StartKafkaJsProducer(topic, 2, 6000, 10, 15);
        await Task.WhenAny(produce, Task.Delay(2000));

        // Broker 1 leaves the topic: the generated plan puts every partition on brokers 2 and 3.
        var topicsFile = await WriteAsync("topics.json", $$"""{"version":1,"topics":[{"topic":"{{topic}}"}]}""");
        var (code, output) = await ProcessCluster.RunCliAsync(
            "reassign-partitions", "--bootstrap-server", _cluster.BootstrapServers, "--generate", "--topics-to-move-json-file", topicsFile, "--broker-list", "2,3");
        Assert.True(code == 0, string.Join('\n', output));
        var proposed = output[output.ToList().IndexOf("Proposed partition reassignment configuration") + 1];
        var plan = await WriteAsync("plan.json", proposed);
        Assert.False(produce.IsCompleted, $"the producer finished before the reassignment started: nothing was under load\n{(produce.IsCompleted ? (await produce).StdErr : "")}");
        await ExecuteAsync(plan);
        await VerifyCompletedAsync(plan);
        var movedUnderLoad = !produce.IsCompleted;

        var produced = await produce;
        var acknowledged = ProcessCluster.Acknowledged(produced);
        Assert.True(movedUnderLoad, "the producer finished before the reassignment completed");
        Assert.True(
            acknowledged.Count == 6000,
            $"{acknowledged.Count} of 6000 records acknowledged: {ProcessCluster.Failures(produced)}\n{_cluster.OutputLines(line => line.Contains(topic, StringComparison.Ordinal))}");
        await _cluster.AssertAcknowledgedOnceInOrderAsync(topic, 2, acknowledged);

        var shown = await _cluster.KcatPartitionsAsync(topic);
        Assert.Equal(2, shown.Count);
        foreach (var (partition, (leader, replicas, isr)) in shown)
        {
            Assert.Equal([2, 3], replicas.Order());
            Assert.Equal([2, 3], isr.Order());
            Assert.Contains(leader, replicas);
            await AssertReplicaRemovedAsync(1, topic, partition);
        }
    }

    [Fact]
    public async Task ReplicationFactor_OneToThreeThenThreeToTwo_ByReassignment()
    {
        const string topic = "refactored";
        await CreateTopicAsync(topic, [1]);
        await Kcat.ProduceAsync(_cluster.BootstrapServers, topic, string.Concat(Enumerable.Range(0, 100).Select(i => $"{i}\n")), "-p", "0", "-X", "acks=all");

        var three = await WriteAsync("three.json", $$"""{"version":1,"partitions":[{"topic":"{{topic}}","partition":0,"replicas":[1,2,3]}]}""");
        await ExecuteAsync(three);
        await VerifyCompletedAsync(three);
        var (leader, replicas, isr) = (await _cluster.KcatPartitionsAsync(topic))[0];
        Assert.Equal([1, 2, 3], replicas);
        Assert.Equal([1, 2, 3], isr.Order());
        Assert.Equal(1, leader);
        await _cluster.AssertReplicasIdenticalAsync(topic, 0);

        // Down to two, without the current leader: leadership moves to the new set.
        var two = await WriteAsync("two.json", $$"""{"version":1,"partitions":[{"topic":"{{topic}}","partition":0,"replicas":[3,2]}]}""");
        await ExecuteAsync(two);
        await VerifyCompletedAsync(two);
        (leader, replicas, isr) = (await _cluster.KcatPartitionsAsync(topic))[0];
        Assert.Equal([3, 2], replicas);
        Assert.Equal([2, 3], isr.Order());
        Assert.Contains(leader, replicas);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{i}"), await _cluster.ReadPartitionAsync(topic, 0));
        await _cluster.AssertReplicasIdenticalAsync(topic, 0);
        await AssertReplicaRemovedAsync(1, topic, 0);

        // The partition still takes acks=all writes from its new replicas.
        await Kcat.ProduceAsync(_cluster.BootstrapServers, topic, "after\n", "-p", "0", "-X", "acks=all");
        Assert.Equal("after", (await _cluster.ReadPartitionAsync(topic, 0))[^1]);
    }

    [Fact]
    public async Task Cancel_OfAReassignmentInProgress_RestoresTheOriginalReplicas_AndTakesAJoinedReplicaOutOfTheIsr()
    {
        const string topic = "cancelled";

        // One replica to add lives on a broker that is not the controller (the admin requests go there) and is stopped,
        // so the move can't complete; the other catches up and joins the ISR before the cancel.
        var controller = (await _cluster.MetadataAsync(1, null)).ControllerId;
        var stopped = controller % 3 + 1;
        var (kept, joined) = (stopped % 3 + 1, (stopped + 1) % 3 + 1);
        var bootstrap = _cluster.Broker(kept).BootstrapServers;
        await CreateTopicAsync(topic, [kept]);
        await Kcat.ProduceAsync(bootstrap, topic, "a\nb\nc\n", "-p", "0", "-X", "acks=all");
        var plan = await WriteAsync("plan.json", $$"""{"version":1,"partitions":[{"topic":"{{topic}}","partition":0,"replicas":[{{kept}},{{joined}},{{stopped}}]}]}""");

        // The stopped broker stays registered (long session timeout) but can't fetch.
        _cluster.Signal(stopped, "STOP");
        try
        {
            await ExecuteAsync(plan, bootstrap);
            Assert.True(await Wire.EventuallyAsync(async () => (await _cluster.PartitionAsync(kept, topic, 0)).IsrNodes.Contains(joined), TimeSpan.FromSeconds(20)),
                $"broker {joined} did not join the ISR");
            var (code, output) = await VerifyAsync(plan, bootstrap);
            Assert.Equal(1, code);
            Assert.Contains($"Reassignment of partition {topic}-0 is still in progress.", output);
            var during = await _cluster.PartitionAsync(kept, topic, 0);
            Assert.Equal([kept, joined, stopped], during.ReplicaNodes);
            Assert.DoesNotContain(stopped, during.IsrNodes);

            (code, output) = await ProcessCluster.RunCliAsync(
                "reassign-partitions", "--bootstrap-server", bootstrap, "--cancel", "--reassignment-json-file", plan);
            Assert.True(code == 0, string.Join('\n', output));
            Assert.Contains($"Successfully cancelled partition reassignments for: {topic}-0", output);
        }
        finally
        {
            _cluster.Signal(stopped, "CONT");
        }

        (var verifyCode, var verifyOutput) = await VerifyAsync(plan, bootstrap);
        Assert.Equal(1, verifyCode);
        Assert.Contains(verifyOutput, l => l.Contains(
            $"There is no active reassignment of partition {topic}-0, but replica set is {kept} rather than {kept},{joined},{stopped}.", StringComparison.Ordinal));
        var (leader, replicas, isr) = (await _cluster.KcatPartitionsAsync(topic))[0];
        Assert.Equal([kept], replicas);
        Assert.Equal([kept], isr);
        Assert.Equal(kept, leader);
        await AssertReplicaRemovedAsync(stopped, topic, 0);
        await AssertReplicaRemovedAsync(joined, topic, 0);

        // The high watermark still moves: acks=all waits for the ISR, which no longer names the removed replica.
        await Kcat.ProduceAsync(bootstrap, topic, "d\n", "-p", "0", "-X", "acks=all", "-X", "message.timeout.ms=10000");
        Assert.Equal(["a", "b", "c", "d"], await _cluster.ReadPartitionAsync(topic, 0));
    }

    [Fact]
    public async Task CreatePartitions_WithRacks_OneReplicaPerRack_LeadersEven()
    {
        const string topic = "grown";
        await _cluster.CreateTopicAsync(topic, 2, 2);
        var shown = await _cluster.AddPartitionsAsync(topic, 8);
        Assert.Equal(Enumerable.Range(0, 8), shown.Keys);
        foreach (var (partition, (leader, replicas, isr)) in shown)
        {
            // Racks a = {1, 2}, b = {3}: every partition has one replica in each.
            Assert.True(replicas.Length == 2 && replicas.Contains(3) && (replicas.Contains(1) ^ replicas.Contains(2)), $"partition {partition}: replicas {string.Join(',', replicas)}");
            Assert.Equal(replicas.Order(), isr.Order());
            Assert.Equal(replicas[0], leader);
        }

        // The new partitions' preferred leaders go round the brokers: two each.
        var newLeaders = shown.Where(p => p.Key >= 2).GroupBy(p => p.Value.Replicas[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([1, 2, 3], newLeaders.Keys.Order());
        Assert.All(newLeaders.Values, count => Assert.Equal(2, count));

        // Rack b's only broker holds a replica of every partition; rack a's two share the other half (as in Kafka, unevenly
        // when racks have unequal broker counts, but never both in one partition).
        Assert.True(shown.Values.All(p => p.Replicas.Contains(3)), ProcessCluster.Layout(shown));
    }

    [Fact]
    public async Task ThrottledReassignment_CopiesAtAboutTheRate_VerifyClearsTheThrottle()
    {
        const string topic = "throttled";
        await CreateTopicAsync(topic, [1]);
        // 600 KB in batches of about 10 KB, so no single batch (which a fetch returns whole) outruns the quota.
        var line = new string('x', 999);
        await Kcat.ProduceAsync(_cluster.BootstrapServers, topic, string.Concat(Enumerable.Repeat(line + "\n", 600)),
            "-p", "0", "-X", "acks=all", "-X", "batch.num.messages=10", "-X", "linger.ms=0");

        var plan = await WriteAsync("throttled.json", $$"""{"version":1,"partitions":[{"topic":"{{topic}}","partition":0,"replicas":[2]}]}""");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (code, output) = await ProcessCluster.RunCliAsync(
            "reassign-partitions", "--bootstrap-server", _cluster.BootstrapServers, "--execute", "--reassignment-json-file", plan, "--throttle", "100000");
        Assert.True(code == 0, string.Join('\n', output));
        Assert.Contains("The inter-broker throttle limit was set to 100000 B/s", output);

        // While it copies: the rates on both brokers, the throttled replicas on the topic (Kafka's form), and still in progress.
        Assert.Equal(("100000", (sbyte)2), await DescribeBrokerAsync(2, "follower.replication.throttled.rate"));
        Assert.Equal(("100000", (sbyte)2), await DescribeBrokerAsync(1, "leader.replication.throttled.rate"));
        Assert.Equal("0:1", await DescribeTopicAsync(topic, "leader.replication.throttled.replicas"));
        Assert.Equal("0:2", await DescribeTopicAsync(topic, "follower.replication.throttled.replicas"));
        (code, output) = await VerifyAsync(plan);
        Assert.True(code == 1 && output.Contains($"Reassignment of partition {topic}-0 is still in progress."), string.Join('\n', output));

        IReadOnlyList<string> last = [];
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                (code, last) = await VerifyAsync(plan);
                return code == 0;
            },
            TimeSpan.FromSeconds(60)), "the reassignment did not complete: " + string.Join('\n', last));
        var took = started.Elapsed;

        // 600 KB at 100 KB/s takes about 6 s; unthrottled it takes well under one.
        Assert.True(took >= TimeSpan.FromSeconds(3), $"the throttled move took only {took}");
        Assert.Contains("Clearing broker-level throttles on brokers 1,2,3", last);
        Assert.Contains($"Clearing topic-level throttles on topic {topic}", last);
        foreach (var broker in new[] { 1, 2, 3 })
        {
            Assert.Equal(5, (await DescribeBrokerAsync(broker, "leader.replication.throttled.rate")).Source);
            Assert.Equal(5, (await DescribeBrokerAsync(broker, "follower.replication.throttled.rate")).Source);
        }

        Assert.Equal("", await DescribeTopicAsync(topic, "leader.replication.throttled.replicas"));
        Assert.Equal("", await DescribeTopicAsync(topic, "follower.replication.throttled.replicas"));
        Assert.Equal(600, (await _cluster.ReadPartitionAsync(topic, 0)).Count);
    }

    private async Task<(string? Value, sbyte Source)> DescribeBrokerAsync(int broker, string key)
    {
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(broker).Port);
        var id = broker.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 4, ResourceName = id, ConfigurationKeys = [key] }] };
        var entry = Assert.Single(Assert.Single((await connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results).Configs);
        return (entry.Value, entry.ConfigSource);
    }

    private async Task<string?> DescribeTopicAsync(string topic, string key)
    {
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(1).Port);
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = [key] }] };
        return Assert.Single(Assert.Single((await connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results).Configs).Value;
    }

    /// <summary>Creates a topic with the given replicas per partition (in preference order) and waits until they are in sync.</summary>
    private async Task CreateTopicAsync(string topic, params int[][] assignment)
    {
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(1).Port);
        var request = Wire.CreateTopicRequest(topic, -1, -1);
        request.Topics[0].Assignments.AddRange(assignment.Select((replicas, p) => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = p, BrokerIds = [.. replicas] }));
        var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
        Assert.True(created.ErrorCode == 0, $"CreateTopics {topic}: {(ErrorCode)created.ErrorCode} {created.ErrorMessage}");
        await _cluster.WaitForFullIsrAsync(topic, assignment.Length);
    }

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private async Task ExecuteAsync(string plan, string? bootstrap = null)
    {
        var (code, output) = await ProcessCluster.RunCliAsync(
            "reassign-partitions", "--bootstrap-server", bootstrap ?? _cluster.BootstrapServers, "--execute", "--reassignment-json-file", plan);
        Assert.True(code == 0, string.Join('\n', output));
        Assert.Contains(output, l => l.StartsWith("Successfully started partition reassignments for ", StringComparison.Ordinal));
    }

    private Task<(int Code, IReadOnlyList<string> Output)> VerifyAsync(string plan, string? bootstrap = null) => ProcessCluster.RunCliAsync(
        "reassign-partitions", "--bootstrap-server", bootstrap ?? _cluster.BootstrapServers, "--verify", "--reassignment-json-file", plan);

    /// <summary>Runs --verify until it says every partition of the plan is done.</summary>
    private async Task VerifyCompletedAsync(string plan)
    {
        IReadOnlyList<string> output = [];
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                (var code, output) = await VerifyAsync(plan);
                return code == 0;
            },
            TimeSpan.FromSeconds(60)), "the reassignment did not complete: " + string.Join('\n', output));
        Assert.DoesNotContain(output, l => l.Contains("in progress", StringComparison.Ordinal));
    }

    /// <summary>A broker that lost its replica deletes the replica's directory.</summary>
    private async Task AssertReplicaRemovedAsync(int broker, string topic, int partition)
        => Assert.True(await Wire.EventuallyAsync(
            () => Task.FromResult(!Directory.Exists(Path.Combine(_cluster.Dir, $"broker-{broker}", $"{topic}-{partition}"))), TimeSpan.FromSeconds(20)),
            $"broker {broker} kept its replica of {topic}-{partition}");
}
