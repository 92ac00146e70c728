using System.CommandLine;
using System.Text;
using System.Text.Json;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Cluster;

namespace Platform.Host.Commands;

/// <summary>
/// <c>platform reassign-partitions --generate|--execute|--verify|--cancel</c>: the counterpart of Kafka's
/// <c>kafka-reassign-partitions.sh</c>, with its JSON files: <c>{"version":1,"topics":[{"topic":"t"}]}</c> to move
/// and <c>{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}</c> as the reassignment.
/// <c>--execute --throttle B</c> limits the catch-up to B bytes/s as Kafka does (the replication throttle rates on the
/// brokers involved, the throttled-replicas configs of the moving partitions' topics); <c>--verify</c> removes them once
/// every partition in the file has moved.
/// </summary>
public static class ReassignPartitionsCommand
{
    private const string LeaderThrottledRate = "leader.replication.throttled.rate";
    private const string FollowerThrottledRate = "follower.replication.throttled.rate";
    private const string LeaderThrottledReplicas = "leader.replication.throttled.replicas";
    private const string FollowerThrottledReplicas = "follower.replication.throttled.replicas";

    public static Command Create() => Create(config => new AdminClientBuilder(config).Build());

    internal static Command Create(Func<AdminClientConfig, IAdminClient> adminFactory)
    {
        var connection = new ConnectionOptions();
        var generate = new Option<bool>("--generate") { Description = "Propose an assignment of the topics in --topics-to-move-json-file over --broker-list." };
        var execute = new Option<bool>("--execute") { Description = "Start the reassignment in --reassignment-json-file." };
        var verify = new Option<bool>("--verify") { Description = "Say whether the reassignment in --reassignment-json-file is done." };
        var cancel = new Option<bool>("--cancel") { Description = "Cancel the reassignments in --reassignment-json-file that are in progress." };
        var topicsFile = new Option<FileInfo?>("--topics-to-move-json-file") { Description = "With --generate: {\"version\":1,\"topics\":[{\"topic\":\"t\"}]}." };
        var brokerList = new Option<string?>("--broker-list") { Description = "With --generate: the brokers to place the replicas on, e.g. 1,2,3." };
        var reassignmentFile = new Option<FileInfo?>("--reassignment-json-file")
        {
            Description = "With --execute, --verify or --cancel: {\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,3]}]}.",
        };
        var throttle = new Option<long?>("--throttle")
        {
            Description = "With --execute: the bytes/s the moving replicas may copy at (run --verify until done to remove the throttle).",
        }.AtLeast(1L);
        var command = new Command("reassign-partitions", "Move partitions to other brokers, or change their replication factor.")
        {
            generate, execute, verify, cancel, topicsFile, brokerList, reassignmentFile, throttle,
        };
        connection.AddTo(command);
        command.Validators.Add(r =>
        {
            var actions = new[] { generate, execute, verify, cancel }.Count(o => r.GetValue(o));
            if (actions != 1)
            {
                r.AddError("Exactly one of --generate, --execute, --verify or --cancel must be given.");
            }
            else if (r.GetValue(generate) && (r.GetResult(topicsFile) is null || r.GetResult(brokerList) is null))
            {
                r.AddError("--generate needs --topics-to-move-json-file and --broker-list.");
            }
            else if (!r.GetValue(generate) && r.GetResult(reassignmentFile) is null)
            {
                r.AddError("--execute, --verify and --cancel need --reassignment-json-file.");
            }
            else if (r.GetResult(throttle) is not null && !r.GetValue(execute))
            {
                r.AddError("--throttle goes with --execute.");
            }
        });
        command.SetAction((parse, ct) => AdminCommand.RunAsync(
            parse, connection, "platform-reassign-partitions", "Error while executing reassign-partitions : ", adminFactory,
            (admin, output) => parse.GetValue(generate) ? GenerateAsync(admin, output, parse.GetValue(topicsFile)!, parse.GetValue(brokerList)!, ct)
                : parse.GetValue(execute) ? ExecuteAsync(admin, output, ReadReassignment(parse.GetValue(reassignmentFile)!), parse.GetValue(throttle), ct)
                : parse.GetValue(verify) ? VerifyAsync(admin, output, ReadReassignment(parse.GetValue(reassignmentFile)!), ct)
                : CancelAsync(admin, output, ReadReassignment(parse.GetValue(reassignmentFile)!), ct),
            ct));
        return command;
    }

    private static async Task<int> GenerateAsync(IAdminClient admin, CommandOutput output, FileInfo topicsFile, string brokerList, CancellationToken cancellationToken)
    {
        var topics = ReadTopics(topicsFile);
        int[] brokers;
        try
        {
            brokers = [.. brokerList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(b => int.Parse(b, System.Globalization.CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new CommandException($"--broker-list: '{brokerList}' is not a list of broker ids like 1,2,3.");
        }

        var current = await CurrentAsync(admin, topics, cancellationToken).ConfigureAwait(false);
        var metadata = await admin.GetMetadataAsync(null, cancellationToken).ConfigureAwait(false);
        var racks = metadata.Brokers.ToDictionary(b => b.BrokerId, b => b.Rack);
        var proposed = new Dictionary<TopicPartition, IReadOnlyList<int>>();
        foreach (var topic in topics)
        {
            var partitions = current.Keys.Where(k => k.Topic == topic).OrderBy(k => k.Partition).ToList();
            var replicationFactor = (short)current[partitions[0]].Count;
            if (replicationFactor > brokers.Length)
            {
                throw new CommandException($"Replication factor: {replicationFactor} larger than available brokers: {brokers.Length}.");
            }

            var placement = ReplicaPlacement.Assign([.. brokers.Select(b => new PlacementBroker(b, racks.GetValueOrDefault(b)))], partitions.Count, replicationFactor);
            for (var p = 0; p < partitions.Count; p++)
            {
                proposed[partitions[p]] = placement[p];
            }
        }

        await output.Out.WriteLineAsync("Current partition replica assignment").ConfigureAwait(false);
        await output.Out.WriteLineAsync(ToJson(current)).ConfigureAwait(false);
        await output.Out.WriteLineAsync().ConfigureAwait(false);
        await output.Out.WriteLineAsync("Proposed partition reassignment configuration").ConfigureAwait(false);
        await output.Out.WriteLineAsync(ToJson(proposed)).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ExecuteAsync(
        IAdminClient admin, CommandOutput output, IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> target, long? throttle, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(admin, target.Keys.Select(k => k.Topic).Distinct(), cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync("Current partition replica assignment").ConfigureAwait(false);
        await output.Out.WriteLineAsync().ConfigureAwait(false);
        await output.Out.WriteLineAsync(ToJson(current.Where(c => target.ContainsKey(c.Key)).ToDictionary())).ConfigureAwait(false);
        await output.Out.WriteLineAsync().ConfigureAwait(false);
        await output.Out.WriteLineAsync("Save this to use as the --reassignment-json-file option during rollback").ConfigureAwait(false);
        if (throttle is { } rate)
        {
            await SetThrottleAsync(admin, output, target, current, rate, cancellationToken).ConfigureAwait(false);
        }

        var results = await admin.AlterPartitionReassignmentsAsync(target.ToDictionary(t => t.Key, t => (IReadOnlyList<int>?)t.Value), cancellationToken).ConfigureAwait(false);
        return await ReportAsync(output, results, "Successfully started partition reassignments for ", "Error reassigning partition(s):").ConfigureAwait(false);
    }

    private static async Task<int> CancelAsync(IAdminClient admin, CommandOutput output, IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> target, CancellationToken cancellationToken)
    {
        var results = await admin.AlterPartitionReassignmentsAsync(target.ToDictionary(t => t.Key, _ => (IReadOnlyList<int>?)null), cancellationToken).ConfigureAwait(false);
        return await ReportAsync(output, results, "Successfully cancelled partition reassignments for: ", "Error cancelling partition reassignment(s):").ConfigureAwait(false);
    }

    private static async Task<int> VerifyAsync(IAdminClient admin, CommandOutput output, IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> target, CancellationToken cancellationToken)
    {
        var ongoing = await admin.ListPartitionReassignmentsAsync(target.Keys, cancellationToken).ConfigureAwait(false);
        var current = await CurrentAsync(admin, target.Keys.Select(k => k.Topic).Distinct(), cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync("Status of partition reassignment:").ConfigureAwait(false);
        var done = true;
        foreach (var (partition, replicas) in target.OrderBy(t => t.Key.Topic, StringComparer.Ordinal).ThenBy(t => t.Key.Partition))
        {
            var name = $"{partition.Topic}-{partition.Partition}";
            if (ongoing.ContainsKey(partition))
            {
                done = false;
                await output.Out.WriteLineAsync($"Reassignment of partition {name} is still in progress.").ConfigureAwait(false);
            }
            else if (current.TryGetValue(partition, out var now) && now.SequenceEqual(replicas))
            {
                await output.Out.WriteLineAsync($"Reassignment of partition {name} is completed.").ConfigureAwait(false);
            }
            else
            {
                done = false;
                await output.Out.WriteLineAsync(
                    $"There is no active reassignment of partition {name}, but replica set is {string.Join(',', now ?? [])} rather than {string.Join(',', replicas)}.")
                    .ConfigureAwait(false);
            }
        }

        if (done)
        {
            await ClearThrottleAsync(admin, output, target.Keys.Select(k => k.Topic), cancellationToken).ConfigureAwait(false);
        }

        return done ? 0 : 1;
    }

    /// <summary>
    /// Kafka's throttle for a reassignment: the leader side on the current replicas of each moving partition, the
    /// follower side on the replicas it gains (added to the topics' lists), and both rates on every broker involved.
    /// </summary>
    private static async Task SetThrottleAsync(
        IAdminClient admin, CommandOutput output, IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> target,
        Dictionary<TopicPartition, IReadOnlyList<int>> current, long rate, CancellationToken cancellationToken)
    {
        var changes = new Dictionary<ConfigResource, List<ConfigEntry>>();
        foreach (var topic in target.GroupBy(t => t.Key.Topic))
        {
            var moving = topic.Where(t => current.TryGetValue(t.Key, out var now) && !now.SequenceEqual(t.Value)).ToList();
            var leaders = moving.SelectMany(t => current[t.Key].Select(r => $"{t.Key.Partition}:{r}")).ToList();
            var followers = moving.SelectMany(t => t.Value.Except(current[t.Key]).Select(r => $"{t.Key.Partition}:{r}")).ToList();
            var entries = new List<ConfigEntry>();
            if (leaders.Count > 0)
            {
                entries.Add(new ConfigEntry { Name = LeaderThrottledReplicas, Value = string.Join(',', leaders), IncrementalOperation = AlterConfigOpType.Append });
            }

            if (followers.Count > 0)
            {
                entries.Add(new ConfigEntry { Name = FollowerThrottledReplicas, Value = string.Join(',', followers), IncrementalOperation = AlterConfigOpType.Append });
            }

            if (entries.Count > 0)
            {
                changes[new ConfigResource(ResourceType.Topic, topic.Key)] = entries;
            }
        }

        var brokers = target.SelectMany(t => t.Value.Concat(current.GetValueOrDefault(t.Key) ?? [])).Distinct().Order().ToList();
        var value = rate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var broker in brokers)
        {
            changes[new ConfigResource(ResourceType.Broker, broker.ToString(System.Globalization.CultureInfo.InvariantCulture))] =
            [
                new ConfigEntry { Name = LeaderThrottledRate, Value = value },
                new ConfigEntry { Name = FollowerThrottledRate, Value = value },
            ];
        }

        await AlterConfigsAsync(admin, changes, "Setting the throttle", cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync("Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.")
            .ConfigureAwait(false);
        await output.Out.WriteLineAsync($"The inter-broker throttle limit was set to {value} B/s").ConfigureAwait(false);
    }

    /// <summary>Once the reassignment is done (as kafka-reassign-partitions.sh --verify): the rates off every broker, the throttled-replicas lists off the topics.</summary>
    private static async Task ClearThrottleAsync(IAdminClient admin, CommandOutput output, IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var metadata = await admin.GetMetadataAsync(null, cancellationToken).ConfigureAwait(false);
        var brokers = metadata.Brokers.Select(b => b.BrokerId).Order().ToList();
        var names = topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var changes = new Dictionary<ConfigResource, List<ConfigEntry>>();
        foreach (var broker in brokers)
        {
            changes[new ConfigResource(ResourceType.Broker, broker.ToString(System.Globalization.CultureInfo.InvariantCulture))] =
            [
                new ConfigEntry { Name = LeaderThrottledRate, IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = FollowerThrottledRate, IncrementalOperation = AlterConfigOpType.Delete },
            ];
        }

        foreach (var topic in names)
        {
            changes[new ConfigResource(ResourceType.Topic, topic)] =
            [
                new ConfigEntry { Name = LeaderThrottledReplicas, IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = FollowerThrottledReplicas, IncrementalOperation = AlterConfigOpType.Delete },
            ];
        }

        await AlterConfigsAsync(admin, changes, "Clearing the throttle", cancellationToken).ConfigureAwait(false);
        await output.Out.WriteLineAsync($"Clearing broker-level throttles on brokers {string.Join(',', brokers)}").ConfigureAwait(false);
        await output.Out.WriteLineAsync($"Clearing topic-level throttles on topic {string.Join(',', names)}").ConfigureAwait(false);
    }

    private static async Task AlterConfigsAsync(IAdminClient admin, Dictionary<ConfigResource, List<ConfigEntry>> changes, string what, CancellationToken cancellationToken)
    {
        try
        {
            await admin.IncrementalAlterConfigsAsync(changes, null, cancellationToken).ConfigureAwait(false);
        }
        catch (IncrementalAlterConfigsException e)
        {
            throw new CommandException(
                $"{what} failed: {string.Join("; ", e.Results.Where(r => r.Error.IsError).Select(r => $"{r.ConfigResource}: {r.Error.Reason}"))}");
        }
    }

    private static async Task<int> ReportAsync(CommandOutput output, IReadOnlyList<TopicPartitionError> results, string success, string failure)
    {
        var ok = results.Where(r => !r.Error.IsError).Select(r => $"{r.Topic}-{r.Partition}").ToList();
        var failed = results.Where(r => r.Error.IsError).ToList();
        if (ok.Count > 0)
        {
            await output.Out.WriteLineAsync(success + string.Join(',', ok)).ConfigureAwait(false);
        }

        if (failed.Count > 0)
        {
            await output.Err.WriteLineAsync(failure).ConfigureAwait(false);
            foreach (var f in failed)
            {
                await output.Err.WriteLineAsync($"{f.Topic}-{f.Partition}: {f.Error.Reason}").ConfigureAwait(false);
            }
        }

        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>The replicas of every partition of <paramref name="topics"/>, as the cluster's metadata has them.</summary>
    private static async Task<Dictionary<TopicPartition, IReadOnlyList<int>>> CurrentAsync(IAdminClient admin, IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var names = topics.ToList();
        var described = await admin.DescribeTopicsAsync(names, null, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<TopicPartition, IReadOnlyList<int>>();
        foreach (var topic in described.TopicDescriptions)
        {
            if (topic.Error.IsError)
            {
                throw new CommandException($"Topic '{topic.Name}': {topic.Error.Reason}");
            }

            foreach (var partition in topic.Partitions)
            {
                result[new TopicPartition(topic.Name, partition.Partition)] = [.. partition.Replicas.Select(r => r.Id)];
            }
        }

        return result;
    }

    private static string ToJson(IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> assignment)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("version", 1);
            json.WriteStartArray("partitions");
            foreach (var (partition, replicas) in assignment.OrderBy(a => a.Key.Topic, StringComparer.Ordinal).ThenBy(a => a.Key.Partition))
            {
                json.WriteStartObject();
                json.WriteString("topic", partition.Topic);
                json.WriteNumber("partition", partition.Partition);
                json.WriteStartArray("replicas");
                foreach (var replica in replicas)
                {
                    json.WriteNumberValue(replica);
                }

                json.WriteEndArray();
                json.WriteStartArray("log_dirs");
                foreach (var _ in replicas)
                {
                    json.WriteStringValue("any");
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<string> ReadTopics(FileInfo file) => Read<List<string>>(file, "--topics-to-move-json-file", root =>
        [.. root.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("topic").GetString()!).Distinct(StringComparer.Ordinal)]);

    private static Dictionary<TopicPartition, IReadOnlyList<int>> ReadReassignment(FileInfo file) => Read(file, "--reassignment-json-file", root =>
        root.GetProperty("partitions").EnumerateArray().ToDictionary(
            p => new TopicPartition(p.GetProperty("topic").GetString()!, p.GetProperty("partition").GetInt32()),
            p => (IReadOnlyList<int>)[.. p.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32())]));

    private static T Read<T>(FileInfo file, string option, Func<JsonElement, T> parse)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file.FullName));
            return parse(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException or ArgumentException)
        {
            throw new CommandException($"{option}: {file.Name} is not in Kafka's format ({e.Message}).");
        }
    }
}
