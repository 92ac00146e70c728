using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>The all-in-one <c>platform</c> (no verb) as a child process: <c>--worker-config</c> configures its worker as it does <c>platform connect</c>'s.</summary>
public sealed class AllInOneCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-aio-").FullName;

    [Fact]
    public async Task AllInOne_WorkerConfigFile_WorkerUsesItsListenersAndTopics()
    {
        var brokerPort = FreePort();
        var restPort = FreePort();
        var brokerConfig = WriteBrokerConfig(brokerPort);
        var workerConfig = Path.Combine(_directory, "worker.properties");
        await File.WriteAllLinesAsync(workerConfig, [$"listeners=http://127.0.0.1:{restPort}", "group.id=aio-from-file", "config.storage.topic=aio-configs"]);

        using var process = Start("--config", brokerConfig, "--worker-config", workerConfig);
        var output = Collect(process);
        try
        {
            using var rest = new ConnectRestClient($"http://127.0.0.1:{restPort}");
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                Assert.False(process.HasExited, $"platform exited with {(process.HasExited ? process.ExitCode : 0)}: {output}");
                try
                {
                    var (status, body) = await rest.GetAsync("connectors");
                    if (status == 200)
                    {
                        Assert.Empty(body!.AsArray());
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                Assert.True(DateTime.UtcNow < deadline, $"The worker never answered on the port of the worker config file ({restPort}): {output}");
                await Task.Delay(200);
            }

            // The worker keeps its connector configs in the file's topic.
            using (var admin = new Platform.Client.Admin.AdminClientBuilder(new Dictionary<string, string> { ["bootstrap.servers"] = $"127.0.0.1:{brokerPort}" }).Build())
            {
                var topics = await admin.ListTopicsAsync(new Platform.Client.Admin.ListTopicsOptions { ListInternal = true });
                while (!topics.Any(t => t.Name == "aio-configs") && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                    topics = await admin.ListTopicsAsync(new Platform.Client.Admin.ListTopicsOptions { ListInternal = true });
                }

                Assert.Contains(topics, t => t.Name == "aio-configs");
                Assert.DoesNotContain(topics, t => t.Name == "connect-configs");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("bootstrap.servers=10.0.0.1:9092", "bootstrap.servers")]
    [InlineData("no.such.key=1", "no.such.key")]
    [InlineData("session.timeout.ms=soon", "session.timeout.ms")]
    public async Task AllInOne_BadWorkerConfig_ExitsWithUsageErrorNamingTheKey(string line, string key)
    {
        var workerConfig = Path.Combine(_directory, "worker.properties");
        await File.WriteAllLinesAsync(workerConfig, [line]);

        using var process = Start("--config", WriteBrokerConfig(FreePort()), "--worker-config", workerConfig);
        var output = Collect(process);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains(key, output.ToString(), StringComparison.Ordinal);
        Assert.Contains("worker.properties", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllInOne_MissingWorkerConfig_ExitsWithUsageErrorNamingTheFile()
    {
        using var process = Start("--config", WriteBrokerConfig(FreePort()), "--worker-config", Path.Combine(_directory, "absent.properties"));
        var output = Collect(process);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--worker-config", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("absent.properties", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllInOne_RestPortTaken_ExitsWithAnErrorNamingTheAddress()
    {
        // The worker fails after the host started: the host stops, and the command must not exit 0 as after a clean stop.
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var workerConfig = Path.Combine(_directory, "worker.properties");
        await File.WriteAllLinesAsync(workerConfig, [$"listeners=127.0.0.1:{port}"]);

        using var process = Start("--config", WriteBrokerConfig(FreePort()), "--worker-config", workerConfig);
        var output = Collect(process);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"platform: stopped with an error: Failed to bind to address http://127.0.0.1:{port}", output.ToString(), StringComparison.Ordinal);
    }

    private string WriteBrokerConfig(int port)
    {
        var path = Path.Combine(_directory, "broker.json");
        var data = Path.Combine(_directory, "data").Replace("\\", "\\\\", StringComparison.Ordinal);
        File.WriteAllText(path, $$"""{ "Broker": { "listeners": "127.0.0.1:{{port}}", "log.dirs": "{{data}}", "group.initial.rebalance.delay.ms": 0 } }""");
        return path;
    }

    /// <summary>Runs the built platform with <paramref name="args"/> in the test's directory (so no <c>connectors-config/</c> of the repository is loaded).</summary>
    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        start.ArgumentList.Add(WorkerProcess.HostDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static StringBuilder Collect(Process process)
    {
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
