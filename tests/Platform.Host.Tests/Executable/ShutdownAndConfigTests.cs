namespace Platform.Host.Tests.Executable;

/// <summary>The <c>platform broker</c> process stopped by SIGTERM, and refusing to start on a bad configuration.</summary>
public sealed class ShutdownAndConfigTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "platform-process-" + Guid.NewGuid().ToString("N"));

    public ShutdownAndConfigTests() => Directory.CreateDirectory(_root);

    private string DataDir => Path.Combine(_root, "data");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Sigterm_AfterProducing_ExitsZeroAndRestartRecoversNothing()
    {
        var expected = new List<ConsumedRecord>();
        await using (var broker = await BrokerProcess.StartAsync(DataDir))
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Port);
            await connection.CreateTopicAsync("orderly", ("segment.bytes", "2048"));
            for (var i = 0; i < 60; i++)
            {
                var result = await connection.ProduceAsync("orderly", Wire.Batch(1_700_000_000_000 + i, ($"k{i}", $"v{i}")));
                Assert.Equal(0, result.ErrorCode);
                expected.Add(new(result.BaseOffset, $"k{i}", $"v{i}"));
            }

            Assert.Equal(0, await broker.TerminateAsync());
            Assert.Contains(broker.Output, line => line.Contains("Broker stopped; logs flushed and closed", StringComparison.Ordinal));
        }

        await using var restarted = await BrokerProcess.StartAsync(DataDir);
        await using var client = await RawConnection.ConnectAsync(restarted.Port);

        Assert.Equal(expected, await client.ConsumeAllAsync("orderly"));
        Assert.Contains(restarted.Output, line => line.Contains("orderly-0", StringComparison.Ordinal) && line.Contains("log end offset 60", StringComparison.Ordinal));
        // After a clean shutdown the recovery point is the log end: no segment is rescanned.
        Assert.DoesNotContain(restarted.Output, line => line.Contains("Recovering", StringComparison.Ordinal));
        Assert.DoesNotContain(restarted.Output, line => line.Contains("Rebuilding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WatchesNoFiles()
    {
        // A watcher of appsettings.json covers the working directory recursively (./data of the default
        // layout included) and costs an inotify event per append; settings are read once at start.
        await using var broker = await BrokerProcess.StartAsync(DataDir);

        var watchers = Directory.GetFiles($"/proc/{broker.ProcessId}/fd")
            .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
            .ToList();

        Assert.Empty(watchers);
    }

    [Fact]
    public async Task Start_AnswersOnTheSocketEventThreads()
    {
        // Requests are handled on the thread epoll woke, not handed to a thread-pool worker: the runtime
        // then runs one socket event thread per core instead of one per 30 (indistinguishable on one core).
        await using var broker = await BrokerProcess.StartAsync(DataDir);
        await using var connection = await RawConnection.ConnectAsync(broker.Port);
        await connection.CreateTopicAsync("inline");
        Assert.Equal(0, (await connection.ProduceAsync("inline", Wire.Batch(1_700_000_000_000, ("k", "v")))).ErrorCode);

        var eventThreads = Directory.GetDirectories($"/proc/{broker.ProcessId}/task")
            .Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");

        Assert.Equal(Environment.ProcessorCount, eventThreads);
    }

    [Theory]
    [InlineData("""{ "Broker": { "num.partitions": "x" } }""", "num.partitions")]
    [InlineData("""{ "Broker": { "log.retention.ms": "soon" } }""", "log.retention.ms")]
    [InlineData("""{ "Broker": { "log.flush.interval.messages": "0" } }""", "log.flush.interval.messages")]
    [InlineData("""{ "Broker": { "log.cleanup.policy": "shred" } }""", "log.cleanup.policy")]
    [InlineData("""{ "Broker": { "listeners": "nope" } }""", "listeners")]
    [InlineData("""{ "Broker": { "no.such.setting": 1 } }""", "no.such.setting")]
    [InlineData("""{ "Broker": { "num.partitions": 1, } """, "broker.json")]
    [InlineData("""{ "Brokr": { "num.partitions": 2 } }""", "unknown section \"Brokr\"")]
    public async Task Start_BadConfigFile_ExitsNonZeroNamingTheKeyWithoutStackTrace(string json, string key)
    {
        var config = Path.Combine(_root, "broker.json");
        await File.WriteAllTextAsync(config, json);
        await using var process = BrokerProcess.Launch("broker", "--data-dir", DataDir, "--config", config);

        var exitCode = await process.WaitForExitAsync();

        var stderr = process.Output.Where(line => line.StartsWith("stderr: ", StringComparison.Ordinal)).ToList();
        Assert.NotEqual(0, exitCode);
        Assert.Contains(stderr, line => line.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(process.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PortInUse_ExitsOneWithOneLineNamingTheAddress()
    {
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var listen = $"127.0.0.1:{((System.Net.IPEndPoint)occupant.LocalEndpoint).Port}";
        await using var process = BrokerProcess.Launch("broker", "--data-dir", DataDir, "--listen", listen);

        var exitCode = await process.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        AssertOneLine(process, $"cannot listen on {listen}");
    }

    [Fact]
    public async Task Start_DataDirIsAFile_ExitsOneWithOneLineNamingTheDirectory()
    {
        var file = Path.Combine(_root, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        await using var process = BrokerProcess.Launch("broker", "--data-dir", Path.Combine(file, "data"), "--listen", "127.0.0.1:0");

        var exitCode = await process.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        AssertOneLine(process, $"data directory '{Path.Combine(file, "data")}'");
    }

    [Fact]
    public async Task Start_MetaPropertiesWithoutClusterId_ExitsOneWithOneLineNamingTheFile()
    {
        var dataDir = Path.Combine(_root, "damaged-meta");
        Directory.CreateDirectory(dataDir);
        await File.WriteAllTextAsync(Path.Combine(dataDir, "meta.properties"), "version=1\nnode.id=1\n");
        await using var process = BrokerProcess.Launch("broker", "--data-dir", dataDir, "--listen", "127.0.0.1:0");

        var exitCode = await process.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        AssertOneLine(process, $"{Path.Combine(dataDir, "meta.properties")} has no cluster.id");
    }

    private static void AssertOneLine(BrokerProcess process, string problem)
    {
        var stderr = process.Output.Where(line => line.StartsWith("stderr: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(stderr);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.DoesNotContain(process.Output, l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains(" at ", StringComparison.Ordinal));
    }
}
