using System.Text.Json;

namespace Platform.Broker.Tests.Interop;

/// <summary>kafkajs's group consumer (consumer.run with eachMessage), alone and sharing a group with kcat.</summary>
public sealed class KafkaJsGroupTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o =>
    {
        o.NumPartitions = 4;
        o.GroupInitialRebalanceDelayMs = 1500;
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static string Interop
    {
        get
        {
            var path = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
            Assert.True(Directory.Exists(Path.Combine(path, "node_modules", "kafkajs")), "kafkajs is not installed: run tests/run-all.sh, which runs npm ci in tests/interop.");
            return path;
        }
    }

    private Task<ExternalProcess.Result> KafkaJsConsumer(string topic, string group, int idleMs, string protocol = "default")
        => ExternalProcess.RunAsync("node", ["kafkajs-group.js", _broker.BootstrapServers, topic, group, idleMs.ToString(System.Globalization.CultureInfo.InvariantCulture), protocol], workingDirectory: Interop);

    private async Task ProduceAsync(string topic, int perPartition)
    {
        for (var partition = 0; partition < 4; partition++)
        {
            var lines = string.Concat(Enumerable.Range(0, perPartition).Select(i => $"v-{partition}-{i}\n"));
            var produce = await ExternalProcess.RunAsync("kcat", ["-b", _broker.BootstrapServers, "-P", "-t", topic, "-p", partition.ToString(System.Globalization.CultureInfo.InvariantCulture)], lines);
            Assert.True(produce.ExitCode == 0, produce.StdErr);
        }
    }

    [Fact]
    public async Task ConsumerRun_ConsumesEveryRecord_AndCommitsTheEndOffsets()
    {
        await ProduceAsync("js-topic", 25);

        var result = await KafkaJsConsumer("js-topic", "js-group", idleMs: 1500);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var values = json.RootElement.GetProperty("received").EnumerateArray().Select(m => m.GetProperty("value").GetString()).ToList();
        Assert.Equal(100, values.Count);
        Assert.Equal(100, values.Distinct().Count());
        var committed = json.RootElement.GetProperty("committed").EnumerateArray().ToList();
        Assert.Equal(4, committed.Count);
        Assert.All(committed, p => Assert.Equal("25", p.GetProperty("offset").GetString()));
        var group = Assert.Single(json.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal("js-group", group.GetProperty("groupId").GetString());
        Assert.Equal("consumer", group.GetProperty("protocolType").GetString());
    }

    [Fact]
    public async Task MixedGroup_KcatAndKafkaJs_SharePartitionsWithoutOverlap()
    {
        await ProduceAsync("mixed", 50);

        var kafkajs = KafkaJsConsumer("mixed", "mixed-group", idleMs: 3000, protocol: "roundrobin");
        var kcat = ExternalProcess.RunAsync("kcat", ["-b", _broker.BootstrapServers, "-G", "mixed-group", "-X", "auto.offset.reset=earliest", "-X", "partition.assignment.strategy=roundrobin", "-e", "-q", "-f", "%p:%o:%s\n", "mixed"]);
        var results = await Task.WhenAll(kafkajs, kcat);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StdErr));
        using var json = JsonDocument.Parse(results[0].StdOut);
        var fromKafkaJs = json.RootElement.GetProperty("received").EnumerateArray().Select(m => m.GetProperty("value").GetString()!).ToList();
        var fromKcat = results[1].StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 3)[2]).ToList();
        Assert.NotEmpty(fromKafkaJs);
        Assert.NotEmpty(fromKcat);
        var all = fromKafkaJs.Concat(fromKcat).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
    }
}
