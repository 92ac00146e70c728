using System.CommandLine;
using Platform.Host.Commands;

var root = new RootCommand("Platform: a Kafka-compatible broker, stream processing and connectors for .NET. Without a verb it runs the all-in-one platform with embedded defaults.");
root.Add(BrokerCommand.Create());
root.Add(TopicsCommand.Create());
root.Add(GroupsCommand.Create());
root.Add(TransactionsCommand.Create());
root.Add(LeaderElectionCommand.Create());
root.Add(ReassignPartitionsCommand.Create());
root.Add(ClusterCommand.Create());
root.Add(ProduceCommand.Create());
root.Add(ConsumeCommand.Create());
root.Add(PerfCommand.Create());
root.Add(ConnectCommand.Create());
BrokerCommand.ConfigureAllInOne(root);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && !parsed.Tokens.Any(t => t.Value is "-h" or "--help" or "-?"))
{
    // Usage errors exit with 2, as command-line tools do, so scripts can tell them from failures of the work itself.
    return UsageErrors.Report(parsed, Console.Error);
}

// The generic host handles SIGINT/SIGTERM itself and shuts down cleanly, so System.CommandLine must not.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
