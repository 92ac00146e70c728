using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Streams.Tests.Examples;

/// <summary>
/// An example program (its built dll under <c>examples/NAME/bin</c>) running as a child process through
/// <c>dotnet NAME.dll</c>, with its output kept for assertions and for the test log.
/// </summary>
internal sealed class ExampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExampleProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public IReadOnlyCollection<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts example <paramref name="name"/> with <paramref name="args"/>; <paramref name="environment"/> adds settings (e.g. <c>Streams__state.dir</c>).</summary>
    public static ExampleProcess Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath(name));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The host's console logger writes one line per message; colours would only add escape codes.
        info.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var example = new ExampleProcess(process);
        process.OutputDataReceived += (_, e) => example.Add(e.Data);
        process.ErrorDataReceived += (_, e) => example.Add(e.Data);
        process.Exited += (_, _) => example._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return example;
    }

    /// <summary>The example's dll, built next to its project in the configuration the tests were built in.</summary>
    public static string DllPath(string name)
    {
        var testDir = AppContext.BaseDirectory;
        var configuration = testDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var root = new DirectoryInfo(testDir);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Platform.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException($"No Platform.sln above {testDir}"), "examples", name, "bin", configuration, "net10.0", name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the example first: {path} is missing.", path);
    }

    /// <summary>Waits until a line of output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, int timeoutMs = 60000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The example exited ({_process.ExitCode}) before printing '{text}':\n{Tail()}");
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"The example did not print '{text}':\n{Tail()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the process with SIGKILL: no shutdown code runs, like a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends SIGTERM (what <c>docker stop</c> and systemd send) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(int timeoutMs = 60000)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeoutMs);
    }

    public async Task<int> WaitForExitAsync(int timeoutMs = 60000)
    {
        await _exited.Task.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int count = 40) => string.Join('\n', _lines.TakeLast(count));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
