using System.CommandLine;
using Platform.Client.Network;

namespace Platform.Host.Commands;

/// <summary>The options the <c>groups</c> subcommands share.</summary>
internal sealed class GroupsOptions
{
    public Option<string> BootstrapServer { get; } = new("--bootstrap-server")
    {
        Description = "The broker(s) to connect to, host:port[,host:port...].",
        Required = true,
    };

    public Option<int?> RequestTimeout { get; } = new("--request-timeout-ms")
    {
        Description = "How long to wait for each broker response (request.timeout.ms).",
    };

    public Option<string[]> Group { get; } = new("--group") { Description = "The consumer group (repeatable)." };

    public Option<bool> AllGroups { get; } = new("--all-groups") { Description = "Every consumer group." };

    public GroupsOptions()
    {
        BootstrapServer.Validators.Add(r =>
        {
            try
            {
                BrokerAddress.ParseList(r.GetValueOrDefault<string>() ?? "");
            }
            catch (FormatException ex)
            {
                r.AddError($"--bootstrap-server: {ex.Message}");
            }
        });
    }

    public void AddConnection(Command command)
    {
        command.Options.Add(BootstrapServer);
        command.Options.Add(RequestTimeout);
    }

    public void AddGroupSelection(Command command)
    {
        command.Options.Add(Group);
        command.Options.Add(AllGroups);
        command.Validators.Add(r =>
        {
            var named = r.GetResult(Group) is not null;
            var all = r.GetResult(AllGroups) is not null;
            if (named == all)
            {
                r.AddError("Exactly one of --group and --all-groups is required.");
            }
        });
    }

    /// <summary>The named groups, or null for --all-groups.</summary>
    public IReadOnlyList<string>? Groups(ParseResult parse) => parse.GetValue(AllGroups) ? null : parse.GetValue(Group) ?? [];
}
