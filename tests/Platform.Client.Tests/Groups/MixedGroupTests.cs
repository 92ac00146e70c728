using System.Diagnostics;
using System.Text.Json;
using Platform.Broker;
using Platform.Client.Admin;

namespace Platform.Client.Tests.Groups;

/// <summary>Our consumer, <c>kcat -G</c> (librdkafka) and a kafkajs consumer in one group, all with the <c>roundrobin</c> assignor.</summary>
public sealed class MixedGroupTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o =>
    {
        o.NumPartitions = 6;
        // Long enough for the three clients started together to join the first generation.
        o.GroupInitialRebalanceDelayMs = 2000;
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static string Interop
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                directory = directory.Parent;
            }

            var path = Path.Combine(directory!.FullName, "tests", "interop");
            Assert.True(Directory.Exists(Path.Combine(path, "node_modules", "kafkajs")), "kafkajs is not installed: run npm ci in tests/interop.");
            return path;
        }
    }

    private static async Task<(int ExitCode, string StdOut, string StdErr)> NodeAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Interop, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task OurConsumer_Kcat_AndKafkaJs_ShareOneGroup_EveryRecordDelivered()
    {
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "mixed", NumPartitions = 6, ReplicationFactor = 1 }]);
        }

        for (var p = 0; p < 6; p++)
        {
            var lines = string.Concat(Enumerable.Range(0, 30).Select(i => $"v-{p}-{i}\n"));
            var produce = await Kcat.RunAsync(_broker.BootstrapServers, lines, "-P", "-t", "mixed", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(produce.ExitCode == 0, produce.StdErr);
        }

        await using var ours = new GroupMember(_broker.BootstrapServers, "mixed-group", ["mixed"], c => c.PartitionAssignmentStrategy = "roundrobin");
        var kafkajs = NodeAsync("kafkajs-group.js", _broker.BootstrapServers, "mixed", "mixed-group", "3000", "roundrobin");
        var kcat = Kcat.RunAsync(_broker.BootstrapServers, null, "-G", "mixed-group", "-X", "auto.offset.reset=earliest", "-X", "partition.assignment.strategy=roundrobin", "-e", "-q", "-f", "%p:%o:%s\n", "mixed");
        var sawThree = false;
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            while (!kcat.IsCompleted && !sawThree)
            {
                var group = (await admin.DescribeConsumerGroupsAsync(["mixed-group"])).ConsumerGroupDescriptions[0];
                sawThree = group.Members.Count == 3 && group.Members.Sum(m => m.Assignment.Partitions.Count) == 6
                    && group.Members.All(m => m.Assignment.Partitions.Count == 2);
                await Task.Delay(50);
            }
        }

        var js = await kafkajs;
        var kc = await kcat;
        Assert.True(js.ExitCode == 0, js.StdErr);
        Assert.True(kc.ExitCode == 0, kc.StdErr);
        Assert.True(sawThree, "the three members never shared the six partitions two by two");
        using var json = JsonDocument.Parse(js.StdOut);
        var fromJs = json.RootElement.GetProperty("received").EnumerateArray().Select(m => m.GetProperty("value").GetString()!).ToList();
        var fromKcat = kc.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 3)[2]).ToList();
        await GroupMember.WaitUntilAsync(
            () => fromJs.Concat(fromKcat).Concat(ours.Received.Select(r => r.Message!.Value!)).Distinct().Count() == 180,
            "every record delivered to some member");
        Assert.NotEmpty(fromJs);
        Assert.NotEmpty(fromKcat);
        Assert.NotEmpty(ours.Received);
        Assert.Null(ours.Failure);
    }
}
