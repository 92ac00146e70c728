using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>
/// The real <c>platform connect</c> (the built Platform.Host) as a child process on a free loopback REST port, with
/// its console output kept for failure messages. <see cref="Kill"/> is SIGKILL: no shutdown code runs.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    // What the worker said about its REST port (kept apart from the output, which keeps only its end).
    private volatile bool _listening;
    private volatile bool _portTaken;

    private WorkerProcess(Process process, int port)
    {
        _process = process;
        Url = $"http://127.0.0.1:{port}";
        WorkerId = $"127.0.0.1:{port}";
        Rest = new ConnectRestClient(Url);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The REST API's base URL.</summary>
    public string Url { get; }

    /// <summary>The worker's id in statuses (its REST address).</summary>
    public string WorkerId { get; }

    public ConnectRestClient Rest { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>What the worker printed so far (the last 8000 characters).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                var text = _output.ToString();
                return text.Length > 8000 ? text[^8000..] : text;
            }
        }
    }

    /// <summary>The built <c>platform.dll</c> (the test project builds Platform.Host first).</summary>
    public static string HostDll
    {
        get
        {
            var path = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PlatformHostDll").Value!;
            return File.Exists(path) ? path : throw new FileNotFoundException($"The Platform.Host build output is missing: {path}; build tests/Platform.Connect.Tests (it builds the host).");
        }
    }

    /// <summary>
    /// Starts <c>dotnet platform.dll connect</c> against <paramref name="bootstrap"/> in group <paramref name="groupId"/>
    /// with the worker properties in <paramref name="workerConfig"/>, and waits until its REST API answers. The REST
    /// port is a free one picked here; if another process (an etcd of a test running beside) took it before the worker
    /// bound it, the worker is started again on another (up to three times).
    /// </summary>
    /// <paramref name="executable"/>: a published native <c>platform</c> to run instead of the built dll.
    public static async Task<WorkerProcess> StartAsync(string bootstrap, string groupId, string workerConfig, string? configDirectory = null, string? executable = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var worker = await TryStartAsync(bootstrap, groupId, workerConfig, configDirectory, executable);
            if (worker is not null)
            {
                return worker;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException("platform connect found its REST port taken three times in a row.");
            }
        }
    }

    /// <summary>The started worker, or null when it exited because its REST port was taken.</summary>
    private static async Task<WorkerProcess?> TryStartAsync(string bootstrap, string groupId, string workerConfig, string? configDirectory, string? executable)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(HostDll);
        }

        foreach (var arg in new[] { "connect", "--bootstrap-server", bootstrap, "--group-id", groupId, "--rest-listen", $"127.0.0.1:{port}", "--worker-config", workerConfig })
        {
            start.ArgumentList.Add(arg);
        }

        if (configDirectory is not null)
        {
            start.ArgumentList.Add("--config-dir");
            start.ArgumentList.Add(configDirectory);
        }

        var worker = new WorkerProcess(Process.Start(start)!, port);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (worker.HasExited)
            {
                if (worker._portTaken)
                {
                    await worker.DisposeAsync();
                    return null;
                }

                throw new InvalidOperationException($"platform connect exited with {worker._process.ExitCode}: {worker.Output}");
            }

            // Asked only once the worker says it listens there: before, whatever else holds the port would answer.
            try
            {
                if (worker._listening && (await worker.Rest.GetAsync("")).Status == 200)
                {
                    return worker;
                }
            }
            catch (HttpRequestException)
            {
                // Not answering yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await worker.DisposeAsync();
                throw new TimeoutException($"platform connect never answered on {worker.Url}: {worker.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL, then waits for the exit.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (a clean shutdown through the generic host), then waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
    }

    /// <summary>Writes a worker properties file with test-friendly timings (a dead worker's tasks move within seconds), and <paramref name="extra"/> lines.</summary>
    public static string WriteTestWorkerConfig(string directory, params string[] extra)
    {
        var path = Path.Combine(directory, "worker.properties");
        File.WriteAllLines(path,
        [
            "# Short timeouts, so a killed worker's tasks and partitions move within seconds.",
            "session.timeout.ms=3000",
            "heartbeat.interval.ms=500",
            "offset.flush.interval.ms=500",
            "offset.storage.partitions=3",
            "status.storage.partitions=2",
            "consumer.session.timeout.ms=3000",
            "consumer.heartbeat.interval.ms=500",
            "consumer.fetch.max.wait.ms=100",
            "consumer.metadata.max.age.ms=500",
            .. extra,
        ]);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _listening |= line.Contains($"Connect REST API listening on {Url}", StringComparison.Ordinal);
        _portTaken |= line.Contains("address already in use", StringComparison.Ordinal);
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Rest.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
