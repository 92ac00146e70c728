using System.CommandLine;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform transactions list|describe|abort|find-hanging</c>: the counterpart of Kafka's
/// <c>kafka-transactions.sh</c>. Results go to standard output, errors to standard error with exit code 1.
/// </summary>
public static class TransactionsCommand
{
    /// <summary>Builds the <c>transactions</c> command and its subcommands.</summary>
    public static Command Create() => Create(config => new AdminClientBuilder(config).Build());

    /// <summary>Builds the command with a custom admin client factory (for tests).</summary>
    internal static Command Create(Func<AdminClientConfig, IAdminClient> adminFactory)
    {
        var runner = new TransactionsRunner(adminFactory);
        var command = new Command("transactions", "List, describe or abort transactions; find hanging ones.");
        command.Subcommands.Add(ListCommand(runner));
        command.Subcommands.Add(DescribeCommand(runner));
        command.Subcommands.Add(AbortCommand(runner));
        command.Subcommands.Add(FindHangingCommand(runner));
        return command;
    }

    private static Command ListCommand(TransactionsRunner runner)
    {
        var options = new ConnectionOptions();
        var states = new Option<string[]>("--state") { Description = "Only transactions in this state (Ongoing, CompleteCommit...; repeatable).", AllowMultipleArgumentsPerToken = true };
        var producerIds = new Option<long[]>("--producer-id") { Description = "Only this producer id (repeatable).", AllowMultipleArgumentsPerToken = true };
        var duration = new Option<long?>("--duration-ms") { Description = "Only transactions open at least this many milliseconds." };
        var command = new Command("list", "List the transactional ids every broker coordinates.");
        options.AddTo(command);
        command.Options.Add(states);
        command.Options.Add(producerIds);
        command.Options.Add(duration);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options, (admin, io) => runner.ListAsync(
            admin,
            io,
            new ListTransactionsOptions
            {
                States = parse.GetValue(states) ?? [],
                ProducerIds = parse.GetValue(producerIds) ?? [],
                MinDuration = parse.GetValue(duration) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            },
            ct), ct));
        return command;
    }

    private static Command DescribeCommand(TransactionsRunner runner)
    {
        var options = new ConnectionOptions();
        var id = new Option<string>("--transactional-id") { Description = "The transactional id to describe.", Required = true };
        var command = new Command("describe", "Describe a transaction: state, producer, partitions and each partition's last stable offset.");
        options.AddTo(command);
        command.Options.Add(id);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options, (admin, io) => runner.DescribeAsync(admin, io, parse.GetRequiredValue(id), ct), ct));
        return command;
    }

    private static Command AbortCommand(TransactionsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: true, topicHelp: "The topic of the partition the hanging transaction holds.");
        var partition = new Option<int>("--partition") { Description = "The partition the hanging transaction holds.", Required = true };
        var startOffset = new Option<long>("--start-offset") { Description = "The first offset of the hanging transaction on the partition (see find-hanging).", Required = true };
        var command = new Command("abort", "Abort a hanging transaction on one partition by writing its ABORT marker.");
        options.AddTo(command);
        command.Options.Add(partition);
        command.Options.Add(startOffset);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.AbortAsync(
            admin, io, new Client.TopicPartition(parse.GetRequiredValue(options.Topic), parse.GetValue(partition)), parse.GetValue(startOffset), ct), ct));
        return command;
    }

    private static Command FindHangingCommand(TransactionsRunner runner)
    {
        var options = new TopicsOptions(topicRequired: false, topicHelp: "Only partitions of this topic (default: every topic).");
        var minutes = new Option<int>("--max-transaction-timeout") { Description = "Minutes a transaction may stay open before it counts as hanging (default 15, Kafka's transaction.max.timeout.ms).", DefaultValueFactory = _ => 15 };
        var command = new Command("find-hanging", "List partitions whose last stable offset is held by a transaction open longer than the timeout.");
        options.AddTo(command);
        command.Options.Add(minutes);
        command.SetAction((parse, ct) => runner.RunAsync(parse, options.Connection, (admin, io) => runner.FindHangingAsync(
            admin, io, parse.GetValue(options.Topic), TimeSpan.FromMinutes(parse.GetValue(minutes)), ct), ct));
        return command;
    }
}
