using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// The real <c>platform broker</c> executable as a child process (the build output of Platform.Host, run
/// with <c>dotnet</c>), on a data directory the caller owns so it can outlive a kill and a restart. It
/// listens on port 0 and the bound port is read from its start-up log line, so there is no race for a
/// "free" port between picking it and binding it.
/// </summary>
internal sealed partial class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(Process process) => _process = process;

    /// <summary>platform.dll of the same build configuration as the tests.</summary>
    public static string HostPath
        => typeof(BrokerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PlatformHostPath").Value!;

    public int Port => _port.Task.IsCompletedSuccessfully ? _port.Task.Result : throw new InvalidOperationException("The broker has not started.");

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public bool HasExited => _process.HasExited;

    /// <summary>The process id, for signals the tests send themselves (SIGSTOP, SIGCONT).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Every line written to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Runs <c>platform</c> with <paramref name="arguments"/> and captures its output, without waiting for anything.</summary>
    public static BrokerProcess Launch(params string[] arguments) => Launch(openFileLimit: null, arguments);

    /// <summary>Like <see cref="Launch(string[])"/>, under <c>prlimit --nofile</c> when <paramref name="openFileLimit"/> is set (to make accept fail with EMFILE).</summary>
    public static BrokerProcess Launch(int? openFileLimit, params string[] arguments) => Launch(executable: null, openFileLimit, arguments);

    /// <summary>
    /// Runs <paramref name="executable"/> (a published native <c>platform</c>) or, when null, the built dll with
    /// <c>dotnet</c>; under <c>prlimit --nofile</c> when <paramref name="openFileLimit"/> is set.
    /// </summary>
    private static BrokerProcess Launch(string? executable, int? openFileLimit, IReadOnlyList<string> arguments)
    {
        // The SDK tells test hosts which dotnet runs them; a bare "dotnet" from PATH is the fallback.
        var program = executable ?? (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet");
        var start = new ProcessStartInfo(openFileLimit is null ? program : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (openFileLimit is { } limit)
        {
            start.ArgumentList.Add($"--nofile={limit}:{limit}");
            start.ArgumentList.Add(program);
        }

        if (executable is null)
        {
            start.ArgumentList.Add(HostPath);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var broker = new BrokerProcess(process);
        process.OutputDataReceived += (_, e) => broker.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => broker.OnLine(e.Data, isError: true);
        process.Exited += (_, _) => broker._port.TrySetException(new InvalidOperationException("platform exited before it was serving."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return broker;
    }

    /// <summary>Starts <c>platform broker</c> on <paramref name="dataDir"/> and waits until it serves; <paramref name="executable"/>: a published native <c>platform</c> to run instead of the built dll.</summary>
    public static async Task<BrokerProcess> StartAsync(string dataDir, string? configFile = null, int? openFileLimit = null, string? executable = null)
    {
        string[] arguments = ["broker", "--listen", "127.0.0.1:0", "--data-dir", dataDir];
        var broker = Launch(executable, openFileLimit, configFile is null ? arguments : [.. arguments, "--config", configFile]);
        try
        {
            await broker._port.Task.WaitAsync(StartTimeout);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await broker.DisposeAsync();
            throw new InvalidOperationException($"platform broker did not start: {e.Message}\n{string.Join('\n', broker.Output)}", e);
        }

        return broker;
    }

    /// <summary>Starts <c>platform broker</c> on <paramref name="dataDir"/> with <paramref name="extraArguments"/> (--node-id, --etcd...) and waits until it serves.</summary>
    public static Task<BrokerProcess> StartAsync(string dataDir, IReadOnlyList<string> extraArguments, string listen = "127.0.0.1:0")
        => StartAsync(["broker", "--listen", listen, "--data-dir", dataDir, .. extraArguments], StartTimeout);

    private static async Task<BrokerProcess> StartAsync(string[] arguments, TimeSpan timeout)
    {
        var broker = Launch(arguments);
        try
        {
            await broker._port.Task.WaitAsync(timeout);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await broker.DisposeAsync();
            throw new InvalidOperationException($"platform broker did not start: {e.Message}\n{string.Join('\n', broker.Output)}", e);
        }

        return broker;
    }

    /// <summary>kill -9: the process dies at once, nothing flushed or closed by it.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await WaitForExitAsync();
    }

    /// <summary>kill -TERM, as a service manager stops a daemon; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        return await WaitForExitAsync();
    }

    /// <summary>Waits (bounded) for the process to end and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(isError ? "stderr: " + line : line);
        }

        if (ServingLine().Match(line) is { Success: true } match)
        {
            _port.TrySetResult(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"serving on [^ ]+:(\d+), data in")]
    private static partial Regex ServingLine();
}
