using System.CommandLine;

namespace Platform.Host.Commands;

/// <summary>The <c>platform</c> executable's command tree (Program.cs runs it; tests walk it).</summary>
internal static class PlatformCommands
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Platform: a Kafka-compatible broker, stream processing and connectors for .NET. Without a verb it runs the all-in-one platform with embedded defaults.")
        {
            BrokerCommand.Create(),
            TopicsCommand.Create(),
            GroupsCommand.Create(),
            TransactionsCommand.Create(),
            LeaderElectionCommand.Create(),
            ReassignPartitionsCommand.Create(),
            ClusterCommand.Create(),
            ProduceCommand.Create(),
            ConsumeCommand.Create(),
            PerfCommand.Create(),
            ConnectCommand.Create(),
        };
        BrokerCommand.ConfigureAllInOne(root);
        return root;
    }
}
