using Microsoft.Extensions.Logging;
using Platform.Client.Admin;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.Runtime;
using Platform.Streams.Runtime.Assignment;
using Platform.Streams.Runtime.Metrics;

namespace Platform.Streams;

// Start-up: the checks and topic creation Kafka Streams does before its threads take tasks.
public sealed partial class KafkaStreams
{
    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var clientId = _config.ClientId is { Length: > 0 } id ? id : $"{_topology.ApplicationId}-{Guid.NewGuid():N}";
        _admin = new AdminClientBuilder(_config.AdminSettings()).Build();
        var topics = new InternalTopicManager(_admin, (short)_config.ReplicationFactor, _loggerFactory.CreateLogger<InternalTopicManager>());

        var internalNames = _topology.InternalTopics.Keys.ToHashSet(StringComparer.Ordinal);
        var userSources = _topology.SourceTopics.Where(t => !internalNames.Contains(t)).Concat(_topology.GlobalTopics).Distinct(StringComparer.Ordinal).ToList();
        var counts = await topics.CheckSourceTopicsAsync(userSources, cancellationToken).ConfigureAwait(false);

        var internalCounts = InternalTopicPartitions(counts);
        CheckCopartitioning(counts, internalCounts);
        await topics.MakeReadyAsync(
            [.. _topology.InternalTopics.Values.Select(spec => (spec.Name, internalCounts[spec.Name], spec.Configs))],
            cancellationToken).ConfigureAwait(false);

        _stateDirectory = new StateDirectory(_config.StateDir, _topology.ApplicationId);
        _metrics = new StreamsMetrics(_topology.ApplicationId, clientId);
        _runtime = new StreamsRuntime
        {
            Topology = _topology,
            Config = _config,
            StateDirectory = _stateDirectory,
            Admin = _admin,
            Metrics = _metrics,
            LoggerFactory = _loggerFactory,
            Subtopologies = [.. _topology.Subtopologies.Select(s => new SubtopologySources(
                s.Id,
                s.SourceTopics,
                s.SourcePatterns.Count == 0 ? null : new System.Text.RegularExpressions.Regex(string.Join("|", s.SourcePatterns.Select(p => $"(?:{p})"))),
                s.ChangelogTopics.Count > 0))],
            SourceTopics = [.. _topology.SourceTopics.Distinct(StringComparer.Ordinal)],
            ProductionHandler = ProductionHandler(),
            ClientId = clientId,
            Endpoint = _config.ApplicationServer is { Length: > 0 } server ? HostInfo.Parse(server).ToString() : null,
            RestoreListener = _restoreListener,
        };
        _runtime.KnowPartitionCounts(counts);
        _runtime.KnowPartitionCounts(internalCounts);
        if (_topology.HasGlobalStores)
        {
            _globalThread = new GlobalStreamThread(_runtime, clientId, OnGlobalThreadFailed);
            _runtime.GlobalStores = _globalThread.Initialize();
        }
    }

    /// <summary>
    /// The partition count of every internal topic: fixed ones as given; a repartition topic gets the largest
    /// input of the sub-topology writing it; a changelog gets its sub-topology's task count. Repeated until
    /// stable, since a repartition topic can feed the sub-topology writing the next one.
    /// </summary>
    private Dictionary<string, int> InternalTopicPartitions(IReadOnlyDictionary<string, int> userCounts)
    {
        var counts = new Dictionary<string, int>(userCounts, StringComparer.Ordinal);
        var specs = _topology.InternalTopics.Values.ToList();
        foreach (var spec in specs.Where(s => s.NumberOfPartitions is not null))
        {
            counts[spec.Name] = spec.NumberOfPartitions!.Value;
        }

        // Strict passes wait until every input of the writing sub-topology is known. When they stall, the internal
        // topics feed each other in a cycle (a foreign-key join's subscription and response topics): one relaxed
        // pass then takes the largest input known so far, as Kafka does, and the strict passes go on.
        for (var strict = true; ;)
        {
            var changed = false;
            foreach (var spec in specs.Where(s => !counts.ContainsKey(s.Name)).ToList())
            {
                var source = spec.IsChangelog
                    ? _topology.Subtopologies.First(s => s.Id == spec.Subtopology)
                    : _topology.Subtopologies.FirstOrDefault(s => s.SinkTopics.Contains(spec.Name, StringComparer.Ordinal));
                if (source is null)
                {
                    throw new TopologyException($"repartition topic '{spec.Name}' has no sub-topology writing to it.");
                }

                var inputs = source.SourceTopics.Where(counts.ContainsKey).Select(t => counts[t]).ToList();
                if (inputs.Count > 0 && (!strict || inputs.Count == source.SourceTopics.Count))
                {
                    counts[spec.Name] = inputs.Max();
                    changed = true;
                }
            }

            if (!changed && !strict)
            {
                break;
            }

            strict = changed;
        }

        var unresolved = specs.Where(s => !counts.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        if (unresolved.Count > 0)
        {
            throw new TopologyException($"the partition counts of internal topics {string.Join(", ", unresolved)} cannot be derived (pattern sources feed them); give them a number of partitions.");
        }

        return specs.ToDictionary(s => s.Name, s => counts[s.Name], StringComparer.Ordinal);
    }

    /// <summary>
    /// Topics joined together must have the same partition count, or keys would meet in different tasks:
    /// repartition topics in a group follow the group's user topics; user topics that differ stop the start.
    /// </summary>
    private void CheckCopartitioning(Dictionary<string, int> userCounts, Dictionary<string, int> internalCounts)
    {
        foreach (var group in _topology.CopartitionGroups)
        {
            var user = group.Where(userCounts.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
            for (var i = 1; i < user.Count; i++)
            {
                if (userCounts[user[i]] != userCounts[user[0]])
                {
                    throw new TopologyException(
                        $"topics '{user[0]}' ({userCounts[user[0]]} partitions) and '{user[i]}' ({userCounts[user[i]]} partitions) are joined, so they must be co-partitioned: give them the same number of partitions (or repartition one side).");
                }
            }

            var target = user.Count > 0 ? userCounts[user[0]] : group.Where(internalCounts.ContainsKey).Select(t => internalCounts[t]).DefaultIfEmpty(0).Max();
            foreach (var topic in group.Where(t => internalCounts.ContainsKey(t) && _topology.InternalTopics[t].NumberOfPartitions is null))
            {
                internalCounts[topic] = target;
            }

            var fixedMismatch = group.FirstOrDefault(t => internalCounts.TryGetValue(t, out var count) && count != target);
            if (fixedMismatch is not null && target > 0)
            {
                throw new TopologyException(
                    $"repartition topic '{fixedMismatch}' has {internalCounts[fixedMismatch]} partitions but is joined with topics of {target} partitions; they must be co-partitioned.");
            }
        }
    }

    private IProductionExceptionHandler ProductionHandler()
    {
        var name = _config[StreamsConfig.DefaultProductionExceptionHandlerConfig];
        if (string.IsNullOrWhiteSpace(name))
        {
            return new DefaultProductionExceptionHandler();
        }

        var type = Type.GetType(name.Trim(), throwOnError: false)
            ?? typeof(KafkaStreams).Assembly.GetType($"Platform.Streams.Errors.{name.Trim()}", throwOnError: false);
        return type is not null && typeof(IProductionExceptionHandler).IsAssignableFrom(type) && Activator.CreateInstance(type) is IProductionExceptionHandler handler
            ? handler
            : throw new StreamsConfigException(StreamsConfig.DefaultProductionExceptionHandlerConfig, $"'{name}' is not a type implementing IProductionExceptionHandler with a parameterless constructor.");
    }

    private void OnGlobalThreadFailed(Exception exception)
        => _ = Task.Run(() => CloseInternal(Timeout.InfiniteTimeSpan, exception));
}
