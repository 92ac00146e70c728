using System.CommandLine;
using System.Text.Json;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform leader-election --election-type preferred|unclean (--topic T --partition P | --all-topic-partitions |
/// --path-to-json-file F)</c>: the counterpart of Kafka's <c>kafka-leader-election.sh</c>, with its options, JSON file
/// (<c>{"partitions": [{"topic": "t", "partition": 0}]}</c>) and output.
/// </summary>
public static class LeaderElectionCommand
{
    public static Command Create() => Create(config => new AdminClientBuilder(config).Build());

    internal static Command Create(Func<AdminClientConfig, IAdminClient> adminFactory)
    {
        var connection = new ConnectionOptions();
        var type = new Option<string>("--election-type") { Description = "preferred or unclean.", Required = true };
        type.AcceptOnlyFromAmong("preferred", "unclean", "PREFERRED", "UNCLEAN");
        var topic = new Option<string?>("--topic") { Description = "The topic of the partition to elect a leader for (with --partition)." };
        var partition = new Option<int?>("--partition") { Description = "The partition to elect a leader for (with --topic)." };
        var all = new Option<bool>("--all-topic-partitions") { Description = "Every partition of every topic." };
        var file = new Option<FileInfo?>("--path-to-json-file") { Description = "A JSON file naming the partitions: {\"partitions\": [{\"topic\": \"t\", \"partition\": 0}]}." };
        var command = new Command("leader-election", "Elect partition leaders: the preferred replica, or any live replica for partitions without a leader.")
        {
            type, topic, partition, all, file,
        };
        connection.AddTo(command);
        command.Validators.Add(r =>
        {
            var single = r.GetResult(topic) is not null || r.GetResult(partition) is not null;
            var ways = (single ? 1 : 0) + (r.GetValue(all) ? 1 : 0) + (r.GetResult(file) is not null ? 1 : 0);
            if (ways != 1)
            {
                r.AddError("Exactly one of --topic/--partition, --all-topic-partitions or --path-to-json-file must be given.");
            }
            else if (single && (r.GetResult(topic) is null || r.GetResult(partition) is null))
            {
                r.AddError("--topic and --partition go together.");
            }
        });
        command.SetAction((parse, ct) => AdminCommand.RunAsync(
            parse, connection, "platform-leader-election", "Error while executing leader election : ", adminFactory,
            async (admin, output) =>
            {
                var electionType = parse.GetRequiredValue(type).Equals("preferred", StringComparison.OrdinalIgnoreCase) ? ElectionType.Preferred : ElectionType.Unclean;
                IReadOnlyList<TopicPartition>? partitions = parse.GetValue(all) ? null
                    : parse.GetValue(file) is { } json ? ReadPartitions(json)
                    : [new TopicPartition(parse.GetRequiredValue(topic)!, parse.GetValue(partition)!.Value)];
                var results = await admin.ElectLeadersAsync(electionType, partitions, ct).ConfigureAwait(false);
                return await WriteAsync(output, electionType, results).ConfigureAwait(false);
            },
            ct));
        return command;
    }

    /// <summary>Kafka's output: the partitions elected, those already led by the right replica, and each failure; 1 if any failed.</summary>
    private static async Task<int> WriteAsync(CommandOutput output, ElectionType type, IReadOnlyList<TopicPartitionError> results)
    {
        var name = type == ElectionType.Preferred ? "PREFERRED" : "UNCLEAN";
        var elected = results.Where(r => !r.Error.IsError).Select(r => $"{r.Topic}-{r.Partition}").ToList();
        var notNeeded = results.Where(r => r.Error.Code == Protocol.ErrorCode.ElectionNotNeeded).Select(r => $"{r.Topic}-{r.Partition}").ToList();
        var failed = results.Where(r => r.Error.IsError && r.Error.Code != Protocol.ErrorCode.ElectionNotNeeded).ToList();
        if (elected.Count > 0)
        {
            await output.Out.WriteLineAsync($"Successfully completed leader election ({name}) for partitions {string.Join(", ", elected)}").ConfigureAwait(false);
        }

        if (notNeeded.Count > 0)
        {
            await output.Out.WriteLineAsync($"Valid replica already elected for partitions {string.Join(", ", notNeeded)}").ConfigureAwait(false);
        }

        foreach (var failure in failed)
        {
            await output.Err.WriteLineAsync($"Error completing leader election ({name}) for partition: {failure.Topic}-{failure.Partition}: {failure.Error.Reason}")
                .ConfigureAwait(false);
        }

        return failed.Count == 0 ? 0 : 1;
    }

    private static List<TopicPartition> ReadPartitions(FileInfo file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file.FullName));
            if (!document.RootElement.TryGetProperty("partitions", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new CommandException($"--path-to-json-file: {file.Name} has no \"partitions\" array.");
            }

            var partitions = list.EnumerateArray().Select(p => new TopicPartition(p.GetProperty("topic").GetString()!, p.GetProperty("partition").GetInt32())).ToList();
            if (partitions.Distinct().Count() != partitions.Count)
            {
                throw new CommandException($"--path-to-json-file: {file.Name} names a partition more than once.");
            }

            return partitions;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            throw new CommandException($"--path-to-json-file: {file.Name} is not a partitions file ({e.Message}).");
        }
    }
}
