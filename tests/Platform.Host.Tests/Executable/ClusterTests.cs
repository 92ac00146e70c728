using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Three real <c>platform broker</c> processes and a real etcd: the control plane of a cluster. Topics are created
/// with replicas on every broker, clients find leaders through Metadata, and a killed leader's partitions get a new
/// leader from the ISR within the (short, 2 s) session timeout.
/// </summary>
public sealed partial class ClusterTests : IAsyncLifetime
{
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
        => _cluster = await ProcessCluster.StartAsync("broker.session.timeout.ms=2000\ndefault.replication.factor=3\nnum.partitions=3\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private BrokerProcess Broker(int id) => _cluster.Broker(id);

    private Task<MetadataResponse> MetadataAsync(int broker, string? topic) => _cluster.MetadataAsync(broker, topic);

    [Fact]
    public async Task KcatMetadata_AutoCreatedRf3Topic_ShowsThreeBrokersReplicasAndIsr()
    {
        var result = await Kcat.RunAsync(Broker(1).BootstrapServers, null, "-L", "-t", "rf3");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3 brokers:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("(controller)", result.StdOut, StringComparison.Ordinal);
        var partitions = PartitionLine().Matches(result.StdOut);
        Assert.Equal(3, partitions.Count);
        foreach (Match partition in partitions)
        {
            Assert.Equal(["1", "2", "3"], partition.Groups["replicas"].Value.Split(',').Order());
            Assert.Equal(["1", "2", "3"], partition.Groups["isr"].Value.Split(',').Order());
        }

        // Preferred leaders spread over the brokers, one partition each.
        Assert.Equal(["1", "2", "3"], partitions.Select(m => m.Groups["leader"].Value).Order());
    }

    [Fact]
    public async Task Produce_ToLeaderSucceeds_ToFollowerNotLeaderOrFollower_KcatFindsTheLeader()
    {
        var (topic, leader) = await CreateTopicAsync("routed");
        var follower = leader % 3 + 1;

        await using (var toFollower = await RawConnection.ConnectAsync(Broker(follower).Port))
        {
            var refused = await toFollower.ProduceAsync(topic, Wire.Batch(0, ("k", "v")));
            Assert.Equal(ErrorCode.NotLeaderOrFollower, (ErrorCode)refused.ErrorCode);
        }

        await using (var toLeader = await RawConnection.ConnectAsync(Broker(leader).Port))
        {
            // The leader learns of its new partition from etcd a moment after the broker that created it: until then it refuses too.
            var appended = ErrorCode.NotLeaderOrFollower;
            Assert.True(await Wire.EventuallyAsync(
                async () => (appended = (ErrorCode)(await toLeader.ProduceAsync(topic, Wire.Batch(0, ("k", "v")))).ErrorCode) != ErrorCode.NotLeaderOrFollower,
                TimeSpan.FromSeconds(10)));
            Assert.Equal(ErrorCode.None, appended);
        }

        // A real client bootstrapped at a follower: it produces to the leader it learns from Metadata.
        await Kcat.ProduceAsync(Broker(follower).BootstrapServers, topic, "a\nb\n", "-p", "0", "-X", "acks=all");
        var consumed = await Kcat.RunAsync(Broker(follower).BootstrapServers, null, "-C", "-t", topic, "-p", "0", "-e", "-q");
        Assert.Equal(["v", "a", "b"], consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task LeaderKilled_ControllerElectsAnotherFromTheIsr_AndMetadataShowsIt()
    {
        var (topic, leader) = await CreateTopicAsync("failover");
        var survivor = leader % 3 + 1;

        await Broker(leader).KillAsync();

        MetadataResponse.MetadataResponsePartition? moved = null;
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                moved = (await MetadataAsync(survivor, topic)).Topics[0].Partitions[0];
                return moved.LeaderId is not -1 && moved.LeaderId != leader;
            },
            TimeSpan.FromSeconds(20)), "no new leader within 20 s");
        Assert.Equal(1, moved!.LeaderEpoch);
        Assert.DoesNotContain(leader, moved.IsrNodes);
        Assert.Contains(leader, moved.OfflineReplicas);
    }

    [Fact]
    public async Task ControllerKilled_AnotherBrokerBecomesController_AndStillCreatesTopics()
    {
        var controller = (await MetadataAsync(1, null)).ControllerId;
        var other = controller % 3 + 1;

        await Broker(controller).KillAsync();

        Assert.True(await Wire.EventuallyAsync(
            async () => (await MetadataAsync(other, null)).ControllerId is var c && c != controller && c != -1,
            TimeSpan.FromSeconds(20)), "no new controller within 20 s");
        await using var connection = await RawConnection.ConnectAsync(Broker(other).Port);
        var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("after", 2, 2), 7)).Topics);
        Assert.Equal(ErrorCode.None, (ErrorCode)created.ErrorCode);
        var tooMany = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("too-many", 1, 3), 7)).Topics);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, (ErrorCode)tooMany.ErrorCode);
    }

    [Fact]
    public async Task Sigterm_ControlledShutdown_MovesLeadershipBeforeTheBrokerExits()
    {
        var (topic, leader) = await CreateTopicAsync("handover");
        var other = leader % 3 + 1;

        Assert.Equal(0, await Broker(leader).TerminateAsync());

        // At once, not after a session timeout: the broker handed its leadership over before it stopped.
        var moved = (await MetadataAsync(other, topic)).Topics[0].Partitions[0];
        Assert.NotEqual(leader, moved.LeaderId);
        Assert.NotEqual(-1, moved.LeaderId);
        Assert.DoesNotContain(leader, moved.IsrNodes);
    }

    [Fact]
    public async Task TopicConfigsAndDeletion_GoThroughTheController_AndReachEveryBroker()
    {
        var (topic, _) = await CreateTopicAsync("configured");
        await using var connection = await RawConnection.ConnectAsync(Broker(2).Port);
        var alter = new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = 2, ResourceName = topic, Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "retention.ms", ConfigOperation = 0, Value = "12345" }],
                },
            ],
        };
        Assert.Equal(0, Assert.Single((await connection.SendAsync<IncrementalAlterConfigsResponse>(alter, 1)).Responses).ErrorCode);

        foreach (var id in Enumerable.Range(1, 3))
        {
            Assert.True(await Wire.EventuallyAsync(
                async () =>
                {
                    await using var to = await RawConnection.ConnectAsync(Broker(id).Port);
                    var describe = new DescribeConfigsRequest { Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 2, ResourceName = topic, ConfigurationKeys = ["retention.ms"] }] };
                    var result = Assert.Single((await to.SendAsync<DescribeConfigsResponse>(describe, 4)).Results);
                    return result.Configs.SingleOrDefault()?.Value == "12345";
                },
                TimeSpan.FromSeconds(10)), $"broker {id} does not show retention.ms=12345");
        }

        var delete = new DeleteTopicsRequest { TopicNames = [topic], TimeoutMs = 5000 };
        Assert.Equal(0, Assert.Single((await connection.SendAsync<DeleteTopicsResponse>(delete, 4)).Responses).ErrorCode);
        foreach (var id in Enumerable.Range(1, 3))
        {
            Assert.True(await Wire.EventuallyAsync(
                () => Task.FromResult(!Directory.Exists(Path.Combine(_cluster.Dir, $"broker-{id}", $"{topic}-0"))), TimeSpan.FromSeconds(10)),
                $"broker {id} kept its replica of the deleted topic");
        }
    }

    [Fact]
    public async Task Cli_DescribeUnderReplicated_AndPreferredElectionNotNeeded()
    {
        var (topic, leader) = await CreateTopicAsync("described");
        var follower = leader % 3 + 1;
        var survivor = follower % 3 + 1;
        await Broker(follower).KillAsync();
        Assert.True(await Wire.EventuallyAsync(
            async () => !(await MetadataAsync(survivor, topic)).Topics[0].Partitions[0].IsrNodes.Contains(follower), TimeSpan.FromSeconds(20)));

        var (code, output) = await RunCliAsync("topics", "describe", "--bootstrap-server", Broker(survivor).BootstrapServers, "--topic", topic, "--under-replicated-partitions");
        Assert.Equal(0, code);
        var line = Assert.Single(output, l => l.Contains("Partition: 0", StringComparison.Ordinal));
        Assert.Contains($"Leader: {leader}", line, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.StartsWith("Topic:", StringComparison.Ordinal));

        (code, output) = await RunCliAsync(
            "leader-election", "--bootstrap-server", Broker(survivor).BootstrapServers, "--election-type", "preferred", "--topic", topic, "--partition", "0");
        Assert.Equal(0, code);
        Assert.Contains(output, l => l.Contains($"Valid replica already elected for partitions {topic}-0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cli_PreferredElection_ReturnsLeadershipAfterTheBrokerComesBack()
    {
        var (topic, leader) = await CreateTopicAsync("preferred");
        var other = leader % 3 + 1;
        await Broker(leader).KillAsync();
        Assert.True(await Wire.EventuallyAsync(async () => (await MetadataAsync(other, topic)).Topics[0].Partitions[0].LeaderId is var l && l != leader && l != -1,
            TimeSpan.FromSeconds(20)));

        await _cluster.StartBrokerAsync(leader);
        Assert.True(await Wire.EventuallyAsync(async () => (await MetadataAsync(other, topic)).Topics[0].Partitions[0].IsrNodes.Contains(leader),
            TimeSpan.FromSeconds(30)), "the restarted broker did not rejoin the ISR");
        var (code, output) = await RunCliAsync(
            "leader-election", "--bootstrap-server", Broker(other).BootstrapServers, "--election-type", "preferred", "--all-topic-partitions");

        Assert.Equal(0, code);
        Assert.Contains(output, l => l.Contains("Successfully completed leader election (PREFERRED)", StringComparison.Ordinal));
        Assert.Equal(leader, (await MetadataAsync(other, topic)).Topics[0].Partitions[0].LeaderId);
    }

    private static Task<(int Code, IReadOnlyList<string> Output)> RunCliAsync(params string[] arguments) => ProcessCluster.RunCliAsync(arguments);

    /// <summary>Creates a one-partition RF=3 topic through broker 1 and returns its leader.</summary>
    private async Task<(string Topic, int Leader)> CreateTopicAsync(string topic)
    {
        await using var connection = await RawConnection.ConnectAsync(Broker(1).Port);
        var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest(topic, 1, 3), 7)).Topics);
        Assert.Equal(ErrorCode.None, (ErrorCode)created.ErrorCode);
        var partition = (await MetadataAsync(1, topic)).Topics[0].Partitions[0];
        Assert.Equal(3, partition.IsrNodes.Count);

        // The other brokers learn of it from etcd a moment later.
        foreach (var id in Enumerable.Range(1, 3))
        {
            Assert.True(await Wire.EventuallyAsync(async () => (await MetadataAsync(id, topic)).Topics[0].ErrorCode == 0, TimeSpan.FromSeconds(10)));
        }

        return (topic, partition.LeaderId);
    }

    [GeneratedRegex(@"partition \d+, leader (?<leader>\d+), replicas: (?<replicas>[\d,]+), isrs: (?<isr>[\d,]+)")]
    private static partial Regex PartitionLine();
}
