using System.CommandLine;
using Platform.Host.Commands;

var root = PlatformCommands.Create();

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && !parsed.Tokens.Any(t => t.Value is "-h" or "--help" or "-?"))
{
    // Usage errors exit with 2, as command-line tools do, so scripts can tell them from failures of the work itself.
    return UsageErrors.Report(parsed, Console.Error);
}

// The generic host handles SIGINT/SIGTERM itself and shuts down cleanly, so System.CommandLine must not.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
