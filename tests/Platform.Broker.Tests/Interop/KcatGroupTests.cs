namespace Platform.Broker.Tests.Interop;

/// <summary>kcat's balanced consumer (<c>kcat -G</c>, librdkafka's group protocol and assignors) against the group coordinator.</summary>
public sealed class KcatGroupTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private string _dataDir = null!;

    public async Task InitializeAsync()
    {
        _dataDir = Path.Combine(Path.GetTempPath(), "platform-kcat-groups-" + Guid.NewGuid().ToString("N"));
        _broker = await StartBrokerAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<EmbeddedBroker> StartBrokerAsync() => EmbeddedBroker.StartAsync(o =>
    {
        o.DataDir = _dataDir;
        o.NumPartitions = 4;
        // Long enough for two kcat processes started together to join the first generation.
        o.GroupInitialRebalanceDelayMs = 1500;
    });

    private Task<ExternalProcess.Result> Kcat(string? stdin, params string[] arguments)
        => ExternalProcess.RunAsync("kcat", ["-b", _broker.BootstrapServers, .. arguments], stdin);

    /// <summary>A balanced consumer that reads its partitions to the end, commits and leaves; one "partition:offset:value" line per record.</summary>
    private Task<ExternalProcess.Result> GroupConsumer(string group, string topic, string assignor = "range")
        => Kcat(null, "-G", group, "-X", "auto.offset.reset=earliest", "-X", $"partition.assignment.strategy={assignor}", "-e", "-q", "-f", "%p:%o:%s\n", topic);

    private async Task ProduceAsync(string topic, int count, string prefix)
    {
        for (var partition = 0; partition < 4; partition++)
        {
            var lines = string.Concat(Enumerable.Range(0, count / 4).Select(i => $"{prefix}-{partition}-{i}\n"));
            var produce = await Kcat(lines, "-P", "-t", topic, "-p", partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(produce.ExitCode == 0, produce.StdErr);
        }
    }

    private static List<string> Values(params ExternalProcess.Result[] results)
        => results.SelectMany(r => r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => l.Split(':', 3)[2]).ToList();

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    public async Task TwoMembers_SplitFourPartitions_EveryRecordExactlyOnce(string assignor)
    {
        await ProduceAsync("shared", 400, "v");

        var results = await Task.WhenAll(GroupConsumer("pair-" + assignor, "shared", assignor), GroupConsumer("pair-" + assignor, "shared", assignor));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StdErr));
        var values = Values(results);
        Assert.Equal(400, values.Count);
        Assert.Equal(400, values.Distinct().Count());
        // Both members consumed: the partitions were shared, not taken by one.
        Assert.All(results, r => Assert.NotEmpty(r.StdOut));
        var partitionsPerMember = results.Select(r => r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0]).ToHashSet()).ToList();
        Assert.Empty(partitionsPerMember[0].Intersect(partitionsPerMember[1]));
    }

    [Fact]
    public async Task TwoGroups_EachReceivesEveryRecord()
    {
        await ProduceAsync("broadcast", 100, "b");

        var results = await Task.WhenAll(GroupConsumer("group-a", "broadcast"), GroupConsumer("group-b", "broadcast"));

        Assert.All(results, r => Assert.Equal(100, Values(r).Distinct().Count()));
    }

    [Fact]
    public async Task CommittedOffsets_SurviveRestart_ConsumerResumesAfterThem()
    {
        await ProduceAsync("durable", 100, "before");
        var first = await GroupConsumer("durable-group", "durable");
        Assert.Equal(100, Values(first).Count);

        await _broker.StopAsync();
        await _broker.DisposeAsync();
        _broker = await StartBrokerAsync();
        await ProduceAsync("durable", 40, "after");

        var second = await GroupConsumer("durable-group", "durable");

        Assert.True(second.ExitCode == 0, second.StdErr);
        var values = Values(second);
        Assert.Equal(40, values.Count);
        Assert.All(values, v => Assert.StartsWith("after-", v, StringComparison.Ordinal));
    }
}
