using System.CommandLine;
using Platform.Broker;
using Platform.Host.Commands;

namespace Platform.Host.Tests.Commands;

/// <summary>The <c>consume</c> and <c>perf consume</c> verbs parsed and invoked in-process against a real broker.</summary>
public sealed class ConsumeCommandTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private sealed record Run(int ExitCode, string Out, string Err);

    private async Task<Run> InvokeAsync(params string[] args)
    {
        var root = new RootCommand { ConsumeCommand.Create(), PerfCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse([.. args, "--bootstrap-server", _broker.BootstrapServers]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Run(exit, output.ToString().Replace("\r", ""), error.ToString());
    }

    [Fact]
    public async Task Consume_FromBeginningWithKeys_PrintsEachRecordThenStopsAtMaxMessages()
    {
        await Kcat.ProduceAsync(_broker.BootstrapServers, "cli", "k1:one\nk2:two\nthree\nk4:four\n", "-K:");

        var run = await InvokeAsync("consume", "--topic", "cli", "--from-beginning", "--max-messages", "3", "--print-key", "--key-separator", ":");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("k1:one\nk2:two\nk4:four\n".Split('\n').Take(2).Concat(["null:three", ""]), run.Out.Split('\n'));
        Assert.Contains("Processed a total of 3 messages", run.Err);
    }

    [Fact]
    public async Task Consume_PartitionAndOffset_StartsThere_TimeoutEndsIt()
    {
        await Kcat.ProduceAsync(_broker.BootstrapServers, "cli-offset", "a\nb\nc\nd\n");

        var run = await InvokeAsync("consume", "--topic", "cli-offset", "--partition", "0", "--offset", "2", "--timeout-ms", "1500");

        Assert.Equal((0, "c\nd\n"), (run.ExitCode, run.Out));
        Assert.Contains("Processed a total of 2 messages", run.Err);
    }

    [Fact]
    public async Task Consume_Group_SubscribesAndCommits_SecondRunContinues_PartitionRefused()
    {
        await Kcat.ProduceAsync(_broker.BootstrapServers, "cli-group", "a\nb\nc\nd\n");

        var first = await InvokeAsync("consume", "--topic", "cli-group", "--group", "g", "--from-beginning", "--max-messages", "2");
        var second = await InvokeAsync("consume", "--topic", "cli-group", "--group", "g", "--from-beginning", "--max-messages", "2");
        var withPartition = await InvokeAsync("consume", "--topic", "cli-group", "--group", "g", "--partition", "0");

        Assert.Equal((0, "a\nb\n"), (first.ExitCode, first.Out));
        Assert.Equal((0, "c\nd\n"), (second.ExitCode, second.Out));
        Assert.Equal(1, withPartition.ExitCode);
        Assert.Contains("cannot be used with --group", withPartition.Err);
    }

    [Fact]
    public async Task Consume_MissingTopic_FailsClearly()
    {
        var missing = await InvokeAsync("consume", "--topic", "does-not-exist", "--max-messages", "1");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does-not-exist", missing.Err);
        Assert.DoesNotContain("   at ", missing.Err);
    }

    [Fact]
    public async Task Consume_ReadCommitted_IsAccepted()
    {
        await Kcat.ProduceAsync(_broker.BootstrapServers, "cli-rc", "x\n");

        var run = await InvokeAsync("consume", "--topic", "cli-rc", "--from-beginning", "--max-messages", "1", "--isolation-level", "read_committed");

        Assert.Equal((0, "x\n"), (run.ExitCode, run.Out));
    }

    [Fact]
    public async Task PerfConsume_ReadsAllAndPrintsKafkaStyleSummary()
    {
        await Kcat.ProduceAsync(_broker.BootstrapServers, "perf", string.Concat(Enumerable.Range(0, 2000).Select(i => $"value-{i:D4}\n")));

        var run = await InvokeAsync("perf", "consume", "--topic", "perf", "--messages", "2000");

        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Matches(@"^2000 records received, [0-9.]+ records/sec \([0-9.]+ MB/sec\)$", run.Out.Trim().Split('\n')[^1]);
    }
}
