using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Platform.Testing;

/// <summary>
/// One incarnation of kafkajs's transactional copier (tests/interop/kafkajs-eos-copier.js), to be killed
/// and started again by exactly-once tests. It prints <c>begin N</c> as it opens a transaction and
/// <c>committed PARTITION NEXT</c> once one is committed; the latter are kept in the dictionary given
/// to <see cref="Start"/>, shared by every incarnation, and the last lines for failure messages.
/// </summary>
public sealed class KafkaJsCopier : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentDictionary<int, long>? _committed;
    private TaskCompletionSource _begun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KafkaJsCopier(Process process, ConcurrentDictionary<int, long>? committed)
    {
        _process = process;
        _committed = committed;
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines it printed (stderr carries the error it exited on).</summary>
    public string Tail => string.Join(" | ", _lines.TakeLast(5));

    /// <summary>Starts <c>node kafkajs-eos-copier.js ARGUMENTS</c> in <paramref name="interop"/>.</summary>
    public static KafkaJsCopier Start(string interop, IReadOnlyList<string> arguments, ConcurrentDictionary<int, long>? committed = null)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kafkajs-eos-copier.js");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var copier = new KafkaJsCopier(Process.Start(start) ?? throw new InvalidOperationException("could not start node"), committed);
        copier._process.OutputDataReceived += (_, e) => copier.Keep(e.Data);
        copier._process.ErrorDataReceived += (_, e) => copier.Keep(e.Data);
        copier._process.BeginOutputReadLine();
        copier._process.BeginErrorReadLine();
        return copier;
    }

    /// <summary>Waits until the copier opens its next transaction (false if it does not within <paramref name="timeout"/>).</summary>
    public async Task<bool> NextTransactionAsync(TimeSpan timeout)
    {
        try
        {
            await Volatile.Read(ref _begun).Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no LeaveGroup, no abort, the transaction in flight stays open for the successor to fence.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose() => _process.Dispose();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        var parts = line.Split(' ');
        if (parts is ["begin", _])
        {
            Interlocked.Exchange(ref _begun, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        else if (parts is ["committed", var partition, var next] && _committed is not null)
        {
            var offset = long.Parse(next, CultureInfo.InvariantCulture);
            _committed.AddOrUpdate(int.Parse(partition, CultureInfo.InvariantCulture), offset, (_, old) => Math.Max(old, offset));
        }

        _lines.Enqueue(line);
        while (_lines.Count > 50)
        {
            _lines.TryDequeue(out _);
        }
    }
}
