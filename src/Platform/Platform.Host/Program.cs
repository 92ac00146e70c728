using System.CommandLine;
using Platform.Host.Commands;

// `platform broker` runs socket continuations on the socket engine's threads instead of handing every
// arrival to a thread-pool worker: a request is read, handled and answered on the thread epoll woke, as
// on Kafka's network threads. Per request the broker then makes half the context switches and a fifth of
// the futex calls, and uses 15-35% less CPU (`perf produce`, `perf e2e`); e2e latency p99 fell too. An
// event thread (one per core) is held only for a handler's own work (an append, a read from the log), as
// Kafka's network threads are by sendfile: the broker never blocks on a socket, and its long waits (a
// long-poll Fetch, acks=all) are awaited. The runtime reads the setting once, at its first socket; one set
// by the operator (0 turns it off) is kept. Not for the all-in-one platform, whose Connect tasks may block
// in client calls.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (args is ["broker", ..] && Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
}

var root = PlatformCommands.Create();

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && !parsed.Tokens.Any(t => t.Value is "-h" or "--help" or "-?"))
{
    // Usage errors exit with 2, as command-line tools do, so scripts can tell them from failures of the work itself.
    return UsageErrors.Report(parsed, Console.Error);
}

// The generic host handles SIGINT/SIGTERM itself and shuts down cleanly, so System.CommandLine must not.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);

