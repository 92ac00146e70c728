using System.CommandLine;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Host.Commands;

namespace Platform.Host.Tests.Commands;

/// <summary>The <c>groups</c> verb parsed and invoked in-process against a real broker.</summary>
public sealed class GroupsCommandTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 500;
        });
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 2, ReplicationFactor = 1 }]);
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        for (var i = 0; i < 10; i++)
        {
            await producer.ProduceAsync(new TopicPartition("orders", i % 2), new Message<string?, string?> { Value = $"v{i}" });
        }
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private sealed record Run(int ExitCode, string Out, string Err);

    private async Task<Run> GroupsAsync(params string[] args)
    {
        var root = new RootCommand { GroupsCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(["groups", .. args, "--bootstrap-server", _broker.BootstrapServers]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Run(exit, output.ToString().Replace("\r", ""), error.ToString());
    }

    private void CommitAsOutsider(string group, long offset0, long offset1)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = group }).Build();
        consumer.Commit([new TopicPartitionOffset("orders", 0, offset0), new TopicPartitionOffset("orders", 1, offset1)]);
    }

    private static string[] Rows(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task ListAndDescribe_ShowOffsetsLagAndTheConsumer()
    {
        CommitAsOutsider("idle", 2, 5);
        await using var member = new GroupMember(_broker.BootstrapServers, "busy", ["orders"], c => c.ClientId = "busy-client");
        await GroupMember.WaitUntilAsync(() => member.Received.Count == 10, "10 records");
        member.Consumer.Commit();

        var list = await GroupsAsync("list");
        var idle = await GroupsAsync("describe", "--group", "idle");
        var busy = await GroupsAsync("describe", "--group", "busy");
        var members = await GroupsAsync("describe", "--group", "busy", "--members");
        var state = await GroupsAsync("describe", "--group", "busy", "--state");

        Assert.Equal(["busy", "idle"], Rows(list.Out));
        Assert.Contains("Consumer group 'idle' has no active members.", idle.Out);
        var idleRows = Rows(idle.Out);
        Assert.Matches(@"^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$", idleRows[1]);
        Assert.Matches(@"^idle +orders +0 +2 +5 +3 +- +- +-$", idleRows[2]);
        Assert.Matches(@"^idle +orders +1 +5 +5 +0 +- +- +-$", idleRows[3]);
        Assert.Matches(@"^busy +orders +0 +5 +5 +0 +\S+ +/127\.0\.0\.1 +busy-client$", Rows(busy.Out)[1]);
        Assert.Matches(@"^busy +\S+ +/127\.0\.0\.1 +busy-client +2$", Rows(members.Out)[1]);
        Assert.Matches(@"^busy +127\.0\.0\.1:\d+ \(\d+\) +range +Stable +1$", Rows(state.Out)[1]);
    }

    [Fact]
    public async Task ResetOffsets_DryRunPrintsPlan_ExecuteCommits()
    {
        CommitAsOutsider("reset", 4, 4);

        var dryRun = await GroupsAsync("reset-offsets", "--group", "reset", "--topic", "orders", "--to-earliest");
        var shifted = await GroupsAsync("reset-offsets", "--group", "reset", "--topic", "orders:1", "--shift-by", "-3", "--execute");
        var toOffset = await GroupsAsync("reset-offsets", "--group", "reset", "--all-topics", "--to-offset", "99", "--execute");
        var toDate = await GroupsAsync("reset-offsets", "--group", "reset", "--topic", "orders:0", "--to-datetime", "2000-01-01T00:00:00.000", "--execute");

        Assert.Equal(0, dryRun.ExitCode);
        Assert.Matches(@"reset +orders +0 +0", dryRun.Out);
        Assert.Contains("dry run", dryRun.Out);
        Assert.Matches(@"reset +orders +1 +1", shifted.Out);
        Assert.Matches(@"reset +orders +0 +5", toOffset.Out);
        Assert.Matches(@"reset +orders +0 +0", toDate.Out);
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("reset", null)]))[0].Partitions;
        Assert.Equal([0L, 5L], committed.Select(p => p.Offset.Value));
    }

    [Fact]
    public async Task ResetOffsets_RefusedWhileGroupActive_DeleteRefusedToo_ThenBothWorkOnceEmpty()
    {
        var member = new GroupMember(_broker.BootstrapServers, "active", ["orders"]);
        await GroupMember.WaitUntilAsync(() => member.Assignment.Count == 2, "the member owns both partitions");

        var reset = await GroupsAsync("reset-offsets", "--group", "active", "--all-topics", "--to-latest", "--execute");
        var delete = await GroupsAsync("delete", "--group", "active");
        await member.DisposeAsync();
        var deleteAfter = await GroupsAsync("delete", "--group", "active");

        Assert.Equal(1, reset.ExitCode);
        Assert.Contains("can only be reset if the group 'active' is inactive, but the current state is Stable", reset.Err);
        Assert.Equal(1, delete.ExitCode);
        Assert.Contains("NON_EMPTY_GROUP", delete.Err);
        Assert.Equal((0, "Deletion of requested consumer groups ('active') was successful.\n"), (deleteAfter.ExitCode, deleteAfter.Out));
        Assert.DoesNotContain("active", Rows((await GroupsAsync("list")).Out));
    }

    [Fact]
    public async Task BadArguments_ClearErrors()
    {
        var noScenario = await GroupsAsync("reset-offsets", "--group", "g", "--all-topics");
        var both = await GroupsAsync("describe", "--group", "g", "--all-groups");
        var badDate = await GroupsAsync("reset-offsets", "--group", "g", "--all-topics", "--to-datetime", "yesterday");
        var missing = await GroupsAsync("describe", "--group", "ghost");

        Assert.Contains("Exactly one of --to-earliest", noScenario.Err);
        Assert.Contains("Exactly one of --group and --all-groups", both.Err);
        Assert.Contains("is not YYYY-MM-DDTHH:mm:SS.sss", badDate.Err);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Consumer group 'ghost' does not exist.", missing.Err);
    }
}
