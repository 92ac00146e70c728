using System.CommandLine;
using Platform.Broker;
using Platform.Host.Commands;

namespace Platform.Host.Tests.Commands;

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

    [Fact]
    public async Task PerfE2e_RoundTripsEveryRecordAndPrintsPercentiles()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var root = new RootCommand { PerfCommand.Create() };
        var output = new StringWriter();
        var err = new StringWriter();

        var exit = await root.Parse(["perf", "e2e", "--bootstrap-server", broker.BootstrapServers, "--topic", "latency", "--num-records", "300", "--warmup-records", "20", "--acks", "all"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = err });

        Assert.True(exit == 0, err.ToString());
        var lines = output.ToString().Trim().Split('\n');
        Assert.Matches(@"^Avg latency: [\d.]+ ms$", lines[0].Trim());
        Assert.Matches(@"^Percentiles: 50th = [\d.]+, 99th = [\d.]+, 99.9th = [\d.]+ \(ms, 300 records of 100 bytes, acks=all\)$", lines[1].Trim());
        // Every round trip produced exactly one record, to the topic the tool created.
        var stored = await PartitionReader.ReadAllAsync(broker.BootstrapServers, "latency", 0, 320);
        Assert.Equal(320, stored.Count);
    }

    [Fact]
    public void PerfE2e_AcksZero_IsAUsageErrorNamingTheOption()
    {
        var root = new RootCommand { PerfCommand.Create() };
        using var error = new StringWriter();

        var exit = UsageErrors.Report(root.Parse(["perf", "e2e", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10", "--acks", "0"]), error);

        Assert.Equal(2, exit);
        Assert.Equal(["--acks must be one of 1, all, -1, not '0'.", "Run 'platform perf e2e --help' for usage."], error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
