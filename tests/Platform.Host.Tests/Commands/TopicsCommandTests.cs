using System.CommandLine;
using Platform.Broker;
using Platform.Host.Commands;

namespace Platform.Host.Tests.Commands;

/// <summary>The <c>topics</c> verb parsed and invoked in-process against a real broker.</summary>
public sealed class TopicsCommandTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private sealed record Run(int ExitCode, string Out, string Err);

    private static async Task<Run> InvokeAsync(params string[] args)
    {
        var root = new RootCommand { TopicsCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new Run(exit, output.ToString(), error.ToString());
    }

    private Task<Run> TopicsAsync(params string[] args) => InvokeAsync(["topics", .. args, "--bootstrap-server", _broker.BootstrapServers]);

    [Fact]
    public async Task Create_PrintsCreatedTopic_ThenListShowsIt()
    {
        var created = await TopicsAsync("create", "--topic", "payments", "--partitions", "2", "--replication-factor", "1");

        Assert.Equal((0, "Created topic payments.\n", ""), (created.ExitCode, created.Out.Replace("\r", ""), created.Err));
        var list = await TopicsAsync("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("payments", list.Out.Split('\n', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Create_Existing_FailsNamingTopic_UnlessIfNotExists()
    {
        await TopicsAsync("create", "--topic", "dup", "--partitions", "1");

        var again = await TopicsAsync("create", "--topic", "dup", "--partitions", "1");
        var quiet = await TopicsAsync("create", "--topic", "dup", "--partitions", "1", "--if-not-exists");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("dup", again.Err);
        Assert.Contains("already exists", again.Err, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", again.Err);
        Assert.Equal((0, "", ""), (quiet.ExitCode, quiet.Out, quiet.Err));
    }

    [Fact]
    public async Task Describe_PrintsKafkaFormatWithOffsetsAndConfigOverrides()
    {
        await TopicsAsync("create", "--topic", "described", "--partitions", "2", "--config", "retention.ms=1000", "--config", "cleanup.policy=compact");

        var run = await TopicsAsync("describe", "--topic", "described");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^Topic: described\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup.policy=compact,retention.ms=1000$", lines[0]);
        var node = _broker.Options.NodeId;
        Assert.Equal($"\tTopic: described\tPartition: 0\tLeader: {node}\tReplicas: {node}\tIsr: {node}\tLogStartOffset: 0\tLogEndOffset: 0", lines[1]);
        Assert.StartsWith("\tTopic: described\tPartition: 1\t", lines[2]);
    }

    [Fact]
    public async Task Describe_MissingTopic_FailsUnlessIfExists()
    {
        var missing = await TopicsAsync("describe", "--topic", "ghost");
        var quiet = await TopicsAsync("describe", "--topic", "ghost", "--if-exists");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Topic 'ghost' does not exist as expected", missing.Err);
        Assert.Equal((0, ""), (quiet.ExitCode, quiet.Err));
    }

    [Fact]
    public async Task Alter_PartitionsAndConfigs_AreVisibleInDescribe()
    {
        await TopicsAsync("create", "--topic", "altered", "--partitions", "1", "--config", "cleanup.policy=compact");

        var partitions = await TopicsAsync("alter", "--topic", "altered", "--partitions", "3");
        var configs = await TopicsAsync("alter", "--topic", "altered", "--config", "retention.ms=5000", "--delete-config", "cleanup.policy");

        Assert.Equal((0, ""), (partitions.ExitCode, partitions.Err));
        Assert.Equal(0, configs.ExitCode);
        Assert.Contains("Completed updating config for topic altered.", configs.Out);
        var describe = (await TopicsAsync("describe", "--topic", "altered")).Out;
        Assert.Contains("PartitionCount: 3", describe);
        Assert.Contains("Configs: retention.ms=5000\n", describe.Replace("\r", ""));
    }

    [Fact]
    public async Task Alter_ShrinkingPartitions_FailsWithBrokerReason()
    {
        await TopicsAsync("create", "--topic", "shrink", "--partitions", "3");

        var run = await TopicsAsync("alter", "--topic", "shrink", "--partitions", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("shrink", run.Err);
    }

    [Fact]
    public async Task Alter_WithoutAnyChange_IsAParseError()
    {
        var run = await TopicsAsync("alter", "--topic", "x");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--partitions, --config or --delete-config", run.Err);
    }

    [Fact]
    public async Task Delete_RemovesTopic_MissingFailsUnlessIfExists()
    {
        await TopicsAsync("create", "--topic", "gone", "--partitions", "1");

        var deleted = await TopicsAsync("delete", "--topic", "gone");
        var again = await TopicsAsync("delete", "--topic", "gone");
        var quiet = await TopicsAsync("delete", "--topic", "gone", "--if-exists");

        Assert.Equal(0, deleted.ExitCode);
        Assert.DoesNotContain("gone", (await TopicsAsync("list")).Out);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Topic 'gone' does not exist as expected", again.Err);
        Assert.Equal((0, ""), (quiet.ExitCode, quiet.Err));
    }

    [Fact]
    public async Task List_TopicIsARegularExpression()
    {
        await TopicsAsync("create", "--topic", "logs.app", "--partitions", "1");
        await TopicsAsync("create", "--topic", "logs.web", "--partitions", "1");
        await TopicsAsync("create", "--topic", "metrics", "--partitions", "1");

        var run = await TopicsAsync("list", "--topic", "logs\\..*");

        Assert.Equal(["logs.app", "logs.web"], run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task MissingBootstrapServer_IsAParseErrorNamingTheOption()
    {
        var run = await InvokeAsync("topics", "list");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--bootstrap-server", run.Err);
    }

    [Theory]
    [InlineData("--config", "novalue", "--config 'novalue' is not key=value")]
    [InlineData("--partitions", "0", "--partitions must be at least 1")]
    public async Task Create_InvalidOption_IsAParseErrorNamingIt(string option, string value, string message)
    {
        var run = await TopicsAsync("create", "--topic", "t", option, value);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.Err);
    }

    [Theory]
    [InlineData("--partitions", "abc", "--partitions must be a whole number, not 'abc'.")]
    [InlineData("--partitions", "0", "--partitions must be at least 1.")]
    [InlineData("--replication-factor", "1.5", "--replication-factor must be a whole number, not '1.5'.")]
    [InlineData("--request-timeout-ms", "soon", "--request-timeout-ms must be a whole number, not 'soon'.")]
    public void Create_BadNumber_UsageErrorWithExitCode2(string option, string value, string message)
    {
        var root = new RootCommand { TopicsCommand.Create() };
        using var error = new StringWriter();

        var exit = UsageErrors.Report(root.Parse(["topics", "create", "--topic", "t", "--bootstrap-server", "127.0.0.1:1", option, value]), error);

        Assert.Equal(2, exit);
        Assert.Equal([message, "Run 'platform topics create --help' for usage."], error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task UnreachableBroker_FailsWithoutStackTrace()
    {
        var run = await InvokeAsync("topics", "list", "--bootstrap-server", "127.0.0.1:1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("127.0.0.1:1", run.Err);
        Assert.DoesNotContain("   at ", run.Err);
    }
}
