using System.CommandLine;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform groups list|describe|delete|reset-offsets</c>: the counterpart of Kafka's
/// <c>kafka-consumer-groups.sh</c>, with its option names and table layout.
/// </summary>
public static class GroupsCommand
{
    /// <summary>Builds the <c>groups</c> command and its subcommands.</summary>
    public static Command Create() => Create(config => new AdminClientBuilder(config).Build());

    /// <summary>Builds the command with a custom admin client factory (for tests).</summary>
    internal static Command Create(Func<AdminClientConfig, IAdminClient> adminFactory)
    {
        var runner = new GroupsRunner(adminFactory);
        var command = new Command("groups", "List, describe, delete consumer groups or reset their offsets.");
        command.Subcommands.Add(ListCommand(runner));
        command.Subcommands.Add(DescribeCommand(runner));
        command.Subcommands.Add(DeleteCommand(runner));
        command.Subcommands.Add(ResetOffsetsCommand(runner));
        return command;
    }

    private static Command ListCommand(GroupsRunner runner)
    {
        var options = new GroupsOptions();
        var state = new Option<bool>("--state") { Description = "Also show each group's state." };
        var command = new Command("list", "List the consumer groups.");
        options.AddConnection(command);
        command.Options.Add(state);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.ListAsync(admin, io, parse.GetValue(state), ct), ct));
        return command;
    }

    private static Command DescribeCommand(GroupsRunner runner)
    {
        var options = new GroupsOptions();
        var members = new Option<bool>("--members") { Description = "Show the members instead of the offsets." };
        var verbose = new Option<bool>("--verbose") { Description = "With --members: also list each member's partitions." };
        var state = new Option<bool>("--state") { Description = "Show the group's state, coordinator and assignor instead of the offsets." };
        var command = new Command("describe", "Describe groups: offsets and lag per partition with its consumer, or members, or state.");
        options.AddConnection(command);
        options.AddGroupSelection(command);
        command.Options.Add(members);
        command.Options.Add(verbose);
        command.Options.Add(state);
        command.Validators.Add(r =>
        {
            if (r.GetResult(members) is not null && r.GetResult(state) is not null)
            {
                r.AddError("--members and --state cannot be used together.");
            }
        });
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.DescribeAsync(
            admin,
            io,
            options.Groups(parse),
            parse.GetValue(members) ? DescribeView.Members : parse.GetValue(state) ? DescribeView.State : DescribeView.Offsets,
            parse.GetValue(verbose),
            ct), ct));
        return command;
    }

    private static Command DeleteCommand(GroupsRunner runner)
    {
        var options = new GroupsOptions();
        var command = new Command("delete", "Delete empty consumer groups and their committed offsets.");
        options.AddConnection(command);
        options.AddGroupSelection(command);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.DeleteAsync(admin, io, options.Groups(parse), ct), ct));
        return command;
    }

    private static Command ResetOffsetsCommand(GroupsRunner runner)
    {
        var options = new GroupsOptions();
        var reset = new ResetOptions();
        var command = new Command("reset-offsets", "Reset the committed offsets of inactive groups (a dry run unless --execute).");
        options.AddConnection(command);
        options.AddGroupSelection(command);
        reset.AddTo(command);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.ResetOffsetsAsync(
            admin, io, options.Groups(parse), reset.Parse(parse), ct), ct));
        return command;
    }
}
