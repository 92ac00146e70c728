namespace Platform.Host.Tests.Executable;

/// <summary>The <c>platform broker</c> process with Kafka's server.properties, and with its data directory pulled away.</summary>
public sealed class ServerPropertiesAndDiskTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "platform-process-" + Guid.NewGuid().ToString("N"));

    public ServerPropertiesAndDiskTests() => Directory.CreateDirectory(_root);

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

    private static List<string> Stderr(BrokerProcess process) => [.. process.Output.Where(line => line.StartsWith("stderr: ", StringComparison.Ordinal))];

    [Fact]
    public async Task Start_KafkaServerProperties_ServesAndWarnsOncePerUnsupportedKey()
    {
        var config = Path.Combine(_root, "server.properties");
        await File.WriteAllTextAsync(config, """
            # A KRaft single-node server.properties, as Kafka ships it, trimmed
            process.roles=broker,controller
            node.id=1
            controller.quorum.voters=1@localhost:9093
            num.network.threads=3
            num.partitions : 2
            offsets.topic.replication.factor=1
            log.retention.hours=168
            log.cleaner.backoff.ms=500
            log.cleaner.io.max.bytes.per.second=10485760
            listener.security.protocol.map=CONTROLLER:PLAINTEXT,\
                PLAINTEXT:PLAINTEXT
            """);

        await using var broker = await BrokerProcess.StartAsync(DataDir, config);
        await using var connection = await RawConnection.ConnectAsync(broker.Port);
        await connection.CreateTopicAsync("from-properties");

        var warnings = Stderr(broker);
        foreach (var key in new[] { "process.roles", "controller.quorum.voters", "num.network.threads", "listener.security.protocol.map" })
        {
            Assert.Single(warnings, line => line.Contains($"{key} is not supported", StringComparison.Ordinal));
        }

        Assert.Equal(4, warnings.Count);
    }

    [Fact]
    public async Task Start_ServerPropertiesWithTypo_ExitsTwoNamingTheKey()
    {
        var config = Path.Combine(_root, "server.properties");
        await File.WriteAllTextAsync(config, "log.retention.hourz=168\n");
        await using var process = BrokerProcess.Launch("broker", "--data-dir", DataDir, "--config", config);

        Assert.Equal(2, await process.WaitForExitAsync());
        Assert.Contains(Stderr(process), line => line.Contains("log.retention.hourz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_OpenFileLimitBelowNeeds_WarnsWithTheNumbers()
    {
        await using var broker = BrokerProcess.Launch(1100, "broker", "--listen", "127.0.0.1:0", "--data-dir", DataDir);

        var warned = await Wire.EventuallyAsync(
            () => Task.FromResult(broker.Output.Any(line => line.Contains("open-file limit is 1100", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60));

        Assert.True(warned, string.Join('\n', broker.Output));
        Assert.Contains(broker.Output, line => line.Contains("may need ", StringComparison.Ordinal) && line.Contains("1024 connections", StringComparison.Ordinal));
    }

    /// <summary>
    /// An open-file limit too low for the partitions already on disk: the logs cannot all be opened. It took them offline
    /// one by one, then failed naming /proc/self/limits, and closing what it had opened threw an unhandled exception.
    /// </summary>
    [Fact]
    public async Task Start_OpenFileLimitBelowThePartitionsOnDisk_ExitsOneWithOneLineNamingTheLimit()
    {
        await using (var broker = await BrokerProcess.StartAsync(DataDir))
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Port);
            // 300 partitions' files and directories, made durable: seconds when CI's other tests share the disk.
            var request = Wire.CreateTopicRequest("many", 300);
            request.TimeoutMs = 60_000;
            var created = await connection.SendAsync<Platform.Protocol.Messages.CreateTopicsResponse>(request, 7, TimeSpan.FromSeconds(60));
            Assert.Equal(0, created.Topics[0].ErrorCode);
            Assert.Equal(0, await broker.TerminateAsync());
        }

        await using var process = BrokerProcess.Launch(256, "broker", "--listen", "127.0.0.1:0", "--data-dir", DataDir);

        Assert.Equal(1, await process.WaitForExitAsync());
        var line = Assert.Single(Stderr(process));
        Assert.Contains("Out of file descriptors", line, StringComparison.Ordinal);
        Assert.Contains("raise the open-file limit", line, StringComparison.Ordinal);
        Assert.DoesNotContain(process.Output, l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.Contains("stays offline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_DataDirectoryDeleted_ExitsOneWithOneLineNoUnhandledException()
    {
        await using var broker = await BrokerProcess.StartAsync(DataDir);
        await using (var connection = await RawConnection.ConnectAsync(broker.Port))
        {
            await connection.CreateTopicAsync("vanishing");
            Assert.Equal(0, (await connection.ProduceAsync("vanishing", Wire.Batch(1_700_000_000_000, ("k", "v")))).ErrorCode);
        }

        Directory.Delete(DataDir, recursive: true);

        Assert.Equal(1, await broker.TerminateAsync());
        var line = Assert.Single(Stderr(broker));
        Assert.Contains("broker stopped with an error", line, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.Output, l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.Contains("AggregateException", StringComparison.Ordinal));
    }
}
