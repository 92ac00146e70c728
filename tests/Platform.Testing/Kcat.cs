using System.Diagnostics;
using System.Text;
using Xunit;

namespace Platform.Testing;

/// <summary>Runs kcat (librdkafka) against a broker, to produce test data the way a foreign client does.</summary>
public static class Kcat
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(string bootstrap, string? stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo("kcat")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in (string[])["-b", bootstrap, "-X", "api.version.request=true", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start kcat.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcat {string.Join(' ', start.ArgumentList)} did not finish in time; stderr: {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Produces <paramref name="lines"/> (key:value with <c>-K:</c>) and fails the test if kcat does.</summary>
    public static async Task ProduceAsync(string bootstrap, string topic, string lines, params string[] extra)
    {
        var result = await RunAsync(bootstrap, lines, ["-P", "-t", topic, .. extra]);
        Assert.True(result.ExitCode == 0, result.StdErr);
    }
}
