using System.CommandLine;
using Platform.Broker;
using Platform.Client.Tests.Producer;
using Platform.Host.Commands;

namespace Platform.Client.Tests.Commands;

public sealed class ProduceCommandTests
{
    [Fact]
    public async Task Produce_StdinLinesWithKeySeparator_BecomeRecords()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var command = ProduceCommand.Create(() => new StringReader("a:1\nb:2:x\nnokey\n"));
        var root = new RootCommand { command };
        var err = new StringWriter();

        var exit = await root.Parse(["produce", "--bootstrap-server", broker.BootstrapServers, "--topic", "cli", "--key-separator", ":", "--compression", "gzip"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = err });

        Assert.True(exit == 0, err.ToString());
        var stored = await PartitionReader.ReadAllAsync(broker.BootstrapServers, "cli", 0, 3);
        Assert.Equal([("a", "1"), ("b", "2:x"), (null, "nokey")], stored.Select(s => (s.Key, s.Value!)));
    }

    [Fact]
    public async Task PerfProduce_PrintsKafkaStyleSummary()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var root = new RootCommand { PerfCommand.Create() };
        var output = new StringWriter();

        var exit = await root.Parse(["perf", "produce", "--bootstrap-server", broker.BootstrapServers, "--topic", "perf", "--num-records", "20000", "--record-size", "100", "--throughput", "-1", "--producer-props", "acks=1", "linger.ms=5"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() });

        Assert.Equal(0, exit);
        Assert.Matches(@"^20000 records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 99th, \d+ ms 99.9th\.$", output.ToString().Trim().Split('\n')[^1]);
    }
}
