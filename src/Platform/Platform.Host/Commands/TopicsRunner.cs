using System.CommandLine;
using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Host.Commands;

/// <summary>Where a command writes: results to <see cref="Out"/>, problems to <see cref="Err"/>.</summary>
internal sealed record CommandOutput(TextWriter Out, TextWriter Err);


/// <summary>The actions of the <c>topics</c> subcommands, run against an admin client.</summary>
internal sealed class TopicsRunner(Func<AdminClientConfig, IAdminClient> adminFactory)
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="action"/> with an admin client; see <see cref="AdminCommand.RunAsync"/>.</summary>
    public Task<int> RunAsync(ParseResult parse, ConnectionOptions connection, Func<IAdminClient, CommandOutput, Task<int>> action, CancellationToken cancellationToken)
        => AdminCommand.RunAsync(parse, connection, "platform-topics", "Error while executing topic command : ", adminFactory, action, cancellationToken);

    public async Task<int> CreateAsync(
        IAdminClient admin,
        CommandOutput output,
        string topic,
        int? partitions,
        short? replicationFactor,
        Dictionary<string, string> configs,
        bool ifNotExists,
        CancellationToken cancellationToken)
    {
        var spec = new TopicSpecification
        {
            Name = topic,
            NumPartitions = partitions ?? -1,
            ReplicationFactor = replicationFactor ?? -1,
            Configs = configs,
        };
        try
        {
            await admin.CreateTopicsAsync([spec], null, cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ifNotExists && ex.Results.All(r => r.Error.Code is ErrorCode.None or ErrorCode.TopicAlreadyExists))
        {
            return 0;
        }

        await output.Out.WriteLineAsync($"Created topic {topic}.").ConfigureAwait(false);
        return 0;
    }

    public async Task<int> ListAsync(IAdminClient admin, CommandOutput output, string? pattern, bool excludeInternal, CancellationToken cancellationToken)
    {
        foreach (var topic in await ResolveAsync(admin, pattern, excludeInternal, cancellationToken).ConfigureAwait(false))
        {
            await output.Out.WriteLineAsync(topic.Name).ConfigureAwait(false);
        }

        return 0;
    }

    public async Task<int> DescribeAsync(
        IAdminClient admin,
        CommandOutput output,
        string? pattern,
        bool excludeInternal,
        bool ifExists,
        CancellationToken cancellationToken,
        Func<TopicPartitionInfo, bool>? partitionFilter = null)
    {
        var topics = await ResolveAsync(admin, pattern, excludeInternal, cancellationToken).ConfigureAwait(false);
        if (topics.Count == 0)
        {
            return pattern is null || ifExists ? 0 : throw DoesNotExist(pattern);
        }

        var names = topics.Select(t => t.Name).ToList();
        var described = await admin.DescribeTopicsAsync(names, null, cancellationToken).ConfigureAwait(false);
        var configs = await admin.DescribeConfigsAsync(names.Select(n => new ConfigResource(ResourceType.Topic, n)), null, cancellationToken).ConfigureAwait(false);
        var offsets = await LogOffsetsAsync(admin, described.TopicDescriptions, cancellationToken).ConfigureAwait(false);
        foreach (var description in described.TopicDescriptions)
        {
            var entries = configs.FirstOrDefault(c => c.ConfigResource.Name == description.Name)?.Entries;
            TopicDescribeFormatter.Write(output.Out, description, entries, offsets, partitionFilter);
        }

        return 0;
    }

    public async Task<int> AlterAsync(
        IAdminClient admin,
        CommandOutput output,
        string pattern,
        int? partitions,
        Dictionary<string, string> configs,
        string[] deleteConfigs,
        bool ifExists,
        CancellationToken cancellationToken)
    {
        var topics = await ResolveAsync(admin, pattern, excludeInternal: false, cancellationToken).ConfigureAwait(false);
        if (topics.Count == 0)
        {
            return ifExists ? 0 : throw DoesNotExist(pattern);
        }

        if (partitions is { } count)
        {
            await admin.CreatePartitionsAsync(
                topics.Select(t => new PartitionsSpecification { Topic = t.Name, IncreaseTo = count }), null, cancellationToken).ConfigureAwait(false);
        }

        if (configs.Count > 0 || deleteConfigs.Length > 0)
        {
            var changes = configs
                .Select(c => new ConfigEntry { Name = c.Key, Value = c.Value, IncrementalOperation = AlterConfigOpType.Set })
                .Concat(deleteConfigs.Select(name => new ConfigEntry { Name = name.Trim(), IncrementalOperation = AlterConfigOpType.Delete }))
                .ToList();
            await admin.IncrementalAlterConfigsAsync(
                topics.ToDictionary(t => new ConfigResource(ResourceType.Topic, t.Name), _ => changes), null, cancellationToken).ConfigureAwait(false);
            foreach (var topic in topics)
            {
                await output.Out.WriteLineAsync($"Completed updating config for topic {topic.Name}.").ConfigureAwait(false);
            }
        }

        return 0;
    }

    public async Task<int> DeleteAsync(IAdminClient admin, CommandOutput output, string pattern, bool ifExists, CancellationToken cancellationToken)
    {
        var topics = await ResolveAsync(admin, pattern, excludeInternal: false, cancellationToken).ConfigureAwait(false);
        if (topics.Count == 0)
        {
            return ifExists ? 0 : throw DoesNotExist(pattern);
        }

        if (topics.FirstOrDefault(t => t.IsInternal) is { } internalTopic)
        {
            throw new CommandException($"Topic {internalTopic.Name} is a kafka internal topic and is not allowed to be marked for deletion.");
        }

        await admin.DeleteTopicsAsync(topics.Select(t => t.Name), null, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Topics whose whole name matches <paramref name="pattern"/> (a regular expression, as in kafka-topics.sh), sorted.</summary>
    private static async Task<List<TopicListing>> ResolveAsync(IAdminClient admin, string? pattern, bool excludeInternal, CancellationToken cancellationToken)
    {
        Regex? regex = null;
        if (pattern is not null)
        {
            try
            {
                regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new CommandException($"--topic '{pattern}' is not a valid regular expression: {ex.Message}");
            }
        }

        var all = await admin.ListTopicsAsync(new ListTopicsOptions { ListInternal = !excludeInternal }, cancellationToken).ConfigureAwait(false);
        return all.Where(t => regex is null || t.Name == pattern || regex.IsMatch(t.Name)).ToList();
    }

    private static async Task<Dictionary<TopicPartition, (long? Start, long? End)>> LogOffsetsAsync(
        IAdminClient admin,
        IReadOnlyList<TopicDescription> topics,
        CancellationToken cancellationToken)
    {
        var partitions = topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition))).ToList();
        var specs = partitions.Select(tp => new TopicPartitionOffsetSpec(tp, OffsetSpec.Earliest()))
            .Concat(partitions.Select(tp => new TopicPartitionOffsetSpec(tp, OffsetSpec.Latest())))
            .ToList();
        IReadOnlyList<ListOffsetsResultInfo> infos;
        try
        {
            infos = (await admin.ListOffsetsAsync(specs, null, cancellationToken).ConfigureAwait(false)).ResultInfos;
        }
        catch (ListOffsetsException ex)
        {
            // Partitions without a leader have no offsets to show; the others still do.
            infos = ex.Results;
        }

        var offsets = new Dictionary<TopicPartition, (long? Start, long? End)>();
        for (var i = 0; i < partitions.Count; i++)
        {
            var start = infos[i].Error.IsError ? (long?)null : infos[i].Offset;
            var end = infos[partitions.Count + i].Error.IsError ? (long?)null : infos[partitions.Count + i].Offset;
            offsets[partitions[i]] = (start, end);
        }

        return offsets;
    }

    private static CommandException DoesNotExist(string pattern) => new($"Topic '{pattern}' does not exist as expected");
}
