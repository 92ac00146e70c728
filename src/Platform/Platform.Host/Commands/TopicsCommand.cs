using System.CommandLine;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform topics create|list|describe|alter|delete</c>: the counterpart of Kafka's
/// <c>kafka-topics.sh</c>, with its option names. Results go to standard output, errors to
/// standard error with a non-zero exit code.
/// </summary>
public static class TopicsCommand
{
    /// <summary>Builds the <c>topics</c> command and its subcommands.</summary>
    public static Command Create() => Create(config => new AdminClientBuilder(config).Build());

    /// <summary>Builds the command with a custom admin client factory (for tests).</summary>
    internal static Command Create(Func<AdminClientConfig, IAdminClient> adminFactory)
    {
        var command = new Command("topics", "Create, delete, describe, or change a topic.");
        var runner = new TopicsRunner(adminFactory);
        command.Subcommands.Add(CreateCommand(runner));
        command.Subcommands.Add(ListCommand(runner));
        command.Subcommands.Add(DescribeCommand(runner));
        command.Subcommands.Add(AlterCommand(runner));
        command.Subcommands.Add(DeleteCommand(runner));
        return command;
    }

    private static Command CreateCommand(TopicsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: true, topicHelp: "The topic to create.");
        var partitions = TopicsOptions.Partitions("The number of partitions (default: the broker's num.partitions).");
        var replicationFactor = new Option<short?>("--replication-factor")
        {
            Description = "The replication factor of each partition (default: the broker's default.replication.factor).",
        };
        replicationFactor.AtLeast((short)1);
        var config = TopicsOptions.Config("A topic config override, key=value (repeatable).");
        var ifNotExists = new Option<bool>("--if-not-exists") { Description = "Do nothing if the topic already exists." };

        var command = new Command("create", "Create a topic.");
        options.AddTo(command);
        command.Options.Add(partitions);
        command.Options.Add(replicationFactor);
        command.Options.Add(config);
        command.Options.Add(ifNotExists);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.CreateAsync(
            admin,
            io,
            parse.GetRequiredValue(options.Topic),
            parse.GetValue(partitions),
            parse.GetValue(replicationFactor),
            TopicsOptions.ParseConfigs(parse.GetValue(config)),
            parse.GetValue(ifNotExists),
            ct), ct));
        return command;
    }

    private static Command ListCommand(TopicsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: false, topicHelp: "Only list topics matching this regular expression.");
        var excludeInternal = TopicsOptions.ExcludeInternal();
        var command = new Command("list", "List the topics.");
        options.AddTo(command);
        command.Options.Add(excludeInternal);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.ListAsync(
            admin, io, parse.GetValue(options.Topic), parse.GetValue(excludeInternal), ct), ct));
        return command;
    }

    private static Command DescribeCommand(TopicsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: false, topicHelp: "The topic to describe; a regular expression (default: all topics).");
        var excludeInternal = TopicsOptions.ExcludeInternal();
        var ifExists = TopicsOptions.IfExists();
        var underReplicated = new Option<bool>("--under-replicated-partitions") { Description = "Only the partitions with fewer in-sync replicas than replicas." };
        var unavailable = new Option<bool>("--unavailable-partitions") { Description = "Only the partitions without a live leader." };
        var command = new Command("describe", "Describe topics: partitions, leaders, replicas, ISR, offsets and config overrides.");
        options.AddTo(command);
        command.Options.Add(excludeInternal);
        command.Options.Add(ifExists);
        command.Options.Add(underReplicated);
        command.Options.Add(unavailable);
        command.SetAction((parse, ct) =>
        {
            // As kafka-topics.sh: with a filter only the matching partitions are listed, without the topic lines.
            Func<TopicPartitionInfo, bool>? filter = (parse.GetValue(underReplicated), parse.GetValue(unavailable)) switch
            {
                (true, true) => p => p.ISR.Count < p.Replicas.Count || p.Leader is null,
                (true, false) => p => p.ISR.Count < p.Replicas.Count,
                (false, true) => p => p.Leader is null,
                _ => null,
            };
            return runner.RunAsync(parse, options.Connection, (admin, io) => runner.DescribeAsync(
                admin, io, parse.GetValue(options.Topic), parse.GetValue(excludeInternal), parse.GetValue(ifExists), ct, filter), ct);
        });
        return command;
    }

    private static Command AlterCommand(TopicsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: true, topicHelp: "The topic to alter; a regular expression.");
        var partitions = TopicsOptions.Partitions("The new number of partitions (can only grow).");
        var config = TopicsOptions.Config("A config to set, key=value (repeatable).");
        var deleteConfig = new Option<string[]>("--delete-config") { Description = "A config override to remove (repeatable)." };
        var ifExists = TopicsOptions.IfExists();
        var command = new Command("alter", "Add partitions to a topic or change its configs.");
        options.AddTo(command);
        command.Options.Add(partitions);
        command.Options.Add(config);
        command.Options.Add(deleteConfig);
        command.Options.Add(ifExists);
        command.Validators.Add(r =>
        {
            if (r.GetResult(partitions) is null && r.GetResult(config) is null && r.GetResult(deleteConfig) is null)
            {
                r.AddError("alter needs --partitions, --config or --delete-config.");
            }
        });
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.AlterAsync(
            admin,
            io,
            parse.GetRequiredValue(options.Topic),
            parse.GetValue(partitions),
            TopicsOptions.ParseConfigs(parse.GetValue(config)),
            parse.GetValue(deleteConfig) ?? [],
            parse.GetValue(ifExists),
            ct), ct));
        return command;
    }

    private static Command DeleteCommand(TopicsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: true, topicHelp: "The topic to delete; a regular expression.");
        var ifExists = TopicsOptions.IfExists();
        var command = new Command("delete", "Delete topics.");
        options.AddTo(command);
        command.Options.Add(ifExists);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.DeleteAsync(
            admin, io, parse.GetRequiredValue(options.Topic), parse.GetValue(ifExists), ct), ct));
        return command;
    }
}
