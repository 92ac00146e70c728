using System.CommandLine;

namespace Platform.Host.Commands;

/// <summary>The options the <c>groups</c> subcommands share.</summary>
internal sealed class GroupsOptions
{
    public ConnectionOptions Connection { get; } = new();

    public Option<string[]> Group { get; } = new("--group") { Description = "The consumer group (repeatable)." };

    public Option<bool> AllGroups { get; } = new("--all-groups") { Description = "Every consumer group." };

    public void AddConnection(Command command) => Connection.AddTo(command);

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
