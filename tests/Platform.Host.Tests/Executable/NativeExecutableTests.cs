using Platform.Connect.Tests.EndToEnd;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// The published native <c>platform</c>, as the README installs it (<c>dotnet publish -r linux-x64</c>; tests/run-all.sh
/// publishes it to artifacts/native before the tests): a broker a real Kafka client uses, the client commands, and a
/// Connect worker running files → topic → PostgreSQL. These are the parts native compilation could break and the JIT
/// build the other tests run cannot show: plugins found by reflection, JSON contracts, PostgreSQL access, the REST API.
/// </summary>
public sealed class NativeExecutableTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "platform-native-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>artifacts/native/platform under the repository root.</summary>
    private static string Native
    {
        get
        {
            var path = Path.Combine(ExternalProcess.RepositoryRoot, "artifacts", "native", "platform");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"No published native platform at {path}: tests/run-all.sh publishes it "
                    + "(dotnet publish src/Platform/Platform.Host -c Release -r linux-x64 -o artifacts/native).");
        }
    }

    [Fact]
    public async Task PublishedNativePlatform_ServesKcat_RunsItsCommands_AndAConnectPipelineIntoPostgres()
    {
        // The worker's test timings (WorkerProcess.WriteTestWorkerConfig) need the broker to allow short sessions.
        Directory.CreateDirectory(_dataDir);
        var config = Path.Combine(_dataDir, "server.properties");
        await File.WriteAllTextAsync(config, "group.min.session.timeout.ms=1000\ngroup.initial.rebalance.delay.ms=0\noffsets.topic.num.partitions=3\n");
        await using var broker = await BrokerProcess.StartAsync(Path.Combine(_dataDir, "data"), config, executable: Native);

        // kcat writes, the native console consumer reads back.
        var lines = Enumerable.Range(0, 50).Select(i => $"native-{i}").ToList();
        await Kcat.ProduceAsync(broker.BootstrapServers, "native-lines", string.Join('\n', lines) + "\n");
        var consumed = await RunAsync("consume", "--bootstrap-server", broker.BootstrapServers, "--topic", "native-lines", "--from-beginning",
            "--max-messages", "50", "--timeout-ms", "20000");
        Assert.Equal(lines, consumed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var perf = await RunAsync("perf", "produce", "--bootstrap-server", broker.BootstrapServers, "--topic", "native-perf",
            "--num-records", "20000", "--record-size", "100", "--throughput", "-1", "--producer-props", "acks=1", "linger.ms=5");
        Assert.Contains("20000 records sent", perf.StdOut, StringComparison.Ordinal);
        var topics = await RunAsync("topics", "list", "--bootstrap-server", broker.BootstrapServers);
        Assert.Contains("native-perf", topics.StdOut.Split('\n', StringSplitOptions.TrimEntries));

        // A native Connect worker: the spooling directory source and the PostgreSQL sink (upsert, offsets in the rows' transaction).
        await using var pipeline = await SpoolPipeline.StartAsync(broker.BootstrapServers, broker: null, []);
        pipeline.Executable = Native;
        await pipeline.CreateTopicAsync(2);
        pipeline.DropFiles(2);
        var worker = await pipeline.StartWorkerAsync();
        await worker.Rest.CreateAsync("files-in", pipeline.SourceConfig());
        await worker.Rest.CreateAsync("rows-out", pipeline.SinkConfig());
        await pipeline.WaitForRowsAsync(pipeline.Expected);
        await pipeline.AssertEveryLineExactlyOnceAsync();
        await worker.Rest.WaitForRunningAsync("rows-out", workerId: worker.WorkerId);
        Assert.False(worker.HasExited, worker.Output);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static async Task<ExternalProcess.Result> RunAsync(params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync(Native, arguments, timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"platform {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.StdErr}");
        return result;
    }
}
