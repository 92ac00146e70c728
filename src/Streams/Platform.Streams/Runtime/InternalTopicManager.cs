using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Streams.Runtime;

/// <summary>
/// Makes the application's internal topics ready before its threads join the group, as Kafka Streams does:
/// creates the missing ones with their configs and the partition count of their sub-topology, and refuses
/// to run when an existing one has a different partition count (its keys would no longer reach the task
/// holding their state). Also checks that source topics exist, since a missing one is a deployment mistake
/// that must be reported, not auto-created.
/// </summary>
internal sealed partial class InternalTopicManager
{
    private readonly IAdminClient _admin;
    private readonly short _replicationFactor;
    private readonly ILogger _logger;

    /// <summary>A manager creating topics with <paramref name="admin"/> at <c>replication.factor</c> <paramref name="replicationFactor"/> (-1: the broker's default).</summary>
    public InternalTopicManager(IAdminClient admin, short replicationFactor, ILogger logger)
    {
        _admin = admin;
        _replicationFactor = replicationFactor;
        _logger = logger;
    }

    /// <summary>The partition count of each of <paramref name="topics"/> that exists.</summary>
    public async Task<Dictionary<string, int>> PartitionCountsAsync(IEnumerable<string> topics, CancellationToken cancellationToken = default)
    {
        var names = topics.Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return new Dictionary<string, int>(StringComparer.Ordinal);
        }

        var metadata = await _admin.GetMetadataAsync(names, cancellationToken).ConfigureAwait(false);
        return metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.None && t.Partitions.Count > 0)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
    }

    /// <summary>Fails naming every one of <paramref name="sourceTopics"/> that does not exist.</summary>
    /// <exception cref="StreamsMissingSourceTopicException">Some are missing.</exception>
    public async Task<Dictionary<string, int>> CheckSourceTopicsAsync(IEnumerable<string> sourceTopics, CancellationToken cancellationToken = default)
    {
        var wanted = sourceTopics.Distinct(StringComparer.Ordinal).ToList();
        var counts = await PartitionCountsAsync(wanted, cancellationToken).ConfigureAwait(false);
        var missing = wanted.Where(t => !counts.ContainsKey(t)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new StreamsMissingSourceTopicException(missing);
        }

        return counts;
    }

    /// <summary>Creates the missing topics of <paramref name="specs"/> (name, partition count, topic configs) and validates the existing ones.</summary>
    /// <exception cref="InvalidOperationException">An existing topic has another partition count; the message names it and both counts.</exception>
    public async Task MakeReadyAsync(IReadOnlyCollection<(string Name, int Partitions, IReadOnlyDictionary<string, string> Configs)> specs, CancellationToken cancellationToken = default)
    {
        if (specs.Count == 0)
        {
            return;
        }

        var existing = await PartitionCountsAsync(specs.Select(s => s.Name), cancellationToken).ConfigureAwait(false);
        var wrong = specs.Where(s => existing.TryGetValue(s.Name, out var count) && count != s.Partitions).ToList();
        if (wrong.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", wrong.Select(s =>
                $"Internal topic '{s.Name}' has {existing[s.Name]} partitions but the topology needs {s.Partitions} (its input's partition count); delete it (and reset the application) or restore the input's partition count.")));
        }

        var missing = specs.Where(s => !existing.ContainsKey(s.Name)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        try
        {
            await _admin.CreateTopicsAsync(
                missing.Select(s => new TopicSpecification
                {
                    Name = s.Name,
                    NumPartitions = s.Partitions,
                    ReplicationFactor = _replicationFactor,
                    Configs = new Dictionary<string, string>(s.Configs),
                }),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.None or ErrorCode.TopicAlreadyExists))
        {
            // Another instance created them at the same time: check what it created.
            await MakeReadyAsync(specs, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var spec in missing)
        {
            LogCreated(spec.Name, spec.Partitions, spec.Configs);
        }
    }

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information, Message = "Created internal topic {Topic} with {Partitions} partitions ({Configs})")]
    private partial void LogCreated(string topic, int partitions, IReadOnlyDictionary<string, string> configs);
}
