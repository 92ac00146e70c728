using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Benchmarks;

/// <summary>Our broker (<c>platform broker</c>, Release build) as a separate process, for CPU and RSS readings.</summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private BrokerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public string Bootstrap => $"127.0.0.1:{Port}";

    /// <summary>The default executable, relative to the repository root found above the working directory.</summary>
    public static string DefaultPath()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return Path.Combine(dir.FullName, "src/Platform/Platform.Host/bin/Release/net10.0/platform");
            }
        }

        return "platform";
    }

    /// <summary>
    /// Publishes <c>platform</c> as the README installs it (<c>dotnet publish -r RID</c>: a native executable) to its
    /// default publish directory, and returns the executable.
    /// </summary>
    public static async Task<string> PublishAsync()
    {
        var built = DefaultPath();
        var project = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(built)!, "../../.."));
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var result = await Shell.RunAsync("dotnet", ["publish", project, "-c", "Release", "-r", rid, "-v", "q", "-nologo"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed ({result.ExitCode}): {result.Stdout}{result.Stderr}");
        }

        return Path.Combine(project, $"bin/Release/net10.0/{rid}/publish/platform");
    }

    /// <summary>
    /// The <c>--config</c> JSON of a benchmark's broker: <c>num.partitions</c>, plus <c>log.write.caching</c> when
    /// <c>--write-caching true|false</c> is given and <c>log.direct.append.window.bytes</c> when <c>--direct-window N</c>
    /// is (0: buffered appends and reads, to compare); the broker's defaults otherwise.
    /// </summary>
    public static string Config(Options options, int partitions)
    {
        var writeCaching = options.String("write-caching", "");
        if (writeCaching is not ("" or "true" or "false"))
        {
            throw new ArgumentException($"--write-caching must be true or false, not '{writeCaching}'.");
        }

        var extra = writeCaching.Length == 0 ? "" : $", \"log.write.caching\": {writeCaching}";
        var window = options.Long("direct-window", -1);
        extra += window < 0 ? "" : $", \"log.direct.append.window.bytes\": {window}";
        return $$"""{ "Broker": { "num.partitions": {{partitions}}{{extra}} } }""";
    }

    /// <summary>Starts the broker with <paramref name="config"/> as its <c>--config</c> JSON (and <paramref name="extraArgs"/>, e.g. <c>--node-id</c>, <c>--etcd</c>) and waits until it accepts connections.</summary>
    public static async Task<BrokerProcess> StartAsync(string executable, string dataDir, string config, int port = 0, IReadOnlyList<string>? extraArgs = null)
    {
        if (!File.Exists(executable))
        {
            throw new ArgumentException($"{executable} not found: build it with `dotnet build -c Release`, or pass --broker.");
        }

        port = port == 0 ? FreePort() : port;
        var configFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, $"broker-{port}.json");
        await File.WriteAllTextAsync(configFile, config);
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "broker", "--listen", $"127.0.0.1:{port}", "--data-dir", dataDir, "--config", configFile }.Concat(extraArgs ?? []))
        {
            info.ArgumentList.Add(arg);
        }

        var broker = new BrokerProcess(Process.Start(info)!, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return broker;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(120) && !broker._process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"The broker did not start: {broker.LastLines()}");
            }
        }
    }

    public double CpuSeconds => Shell.CpuSeconds(Pid);

    public (double Rss, double Peak) Memory => Shell.Memory(Pid);

    public string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join(Environment.NewLine, _lastLines);
        }
    }

    /// <summary>SIGKILL: the broker dies at once, as in a crash; returns when it has.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (a clean shutdown: logs flushed and checkpointed), then waits.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        Shell.Run("kill", "-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 20)
            {
                _lastLines.Dequeue();
            }
        }
    }
}
