using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A topology resolved for one application: sub-topologies with real topic names, the internal topics to
/// create, co-partitioning groups, the partitions of each task, and the factories of tasks and the global task.
/// The runtime and the test driver both build their tasks here.
/// </summary>
internal sealed class TopologyMetadata
{
    private readonly Topology _topology;
    private readonly TopicNamer _namer;
    private readonly List<Subtopology> _subtopologies = [];
    private readonly List<NodeGroups.Group> _globalGroups = [];
    private readonly Dictionary<string, InternalTopicSpec> _internalTopics = new(StringComparer.Ordinal);
    private readonly List<IReadOnlyList<string>> _copartitionGroups = [];

    public TopologyMetadata(Topology topology, StreamsConfig config)
    {
        _topology = topology;
        Config = config;
        ApplicationId = config.ApplicationId is { Length: > 0 } id
            ? id
            : throw new StreamsConfigException(StreamsConfig.ApplicationIdConfig, "is required: it names the consumer group and prefixes internal topics.");
        _namer = new TopicNamer(ApplicationId, new HashSet<string>(topology.InternalTopics.Keys, StringComparer.Ordinal));
        if (topology.Nodes.Count == 0)
        {
            throw new TopologyException("it has no nodes: add a source (Topology.AddSource or StreamsBuilder.Stream).");
        }

        CheckStores();
        foreach (var group in NodeGroups.Compute(topology))
        {
            if (group.IsGlobal)
            {
                _globalGroups.Add(group);
            }
            else
            {
                _subtopologies.Add(Resolve(group));
            }
        }

        foreach (var sources in topology.CopartitionedSources)
        {
            var topics = new List<string>();
            foreach (var name in sources)
            {
                foreach (var node in topology.Nodes)
                {
                    if (node.Name == name && node is SourceNodeFactory source)
                    {
                        foreach (var topic in source.Topics)
                        {
                            topics.Add(_namer.Decorate(topic));
                        }
                    }
                }
            }

            _copartitionGroups.Add(topics);
        }
    }

    public string ApplicationId { get; }

    public StreamsConfig Config { get; }

    /// <summary>The sub-topologies that make tasks, by id.</summary>
    public IReadOnlyList<Subtopology> Subtopologies => _subtopologies;

    /// <summary>Internal topics (repartition and changelog) by real name.</summary>
    public IReadOnlyDictionary<string, InternalTopicSpec> InternalTopics => _internalTopics;

    /// <summary>Groups of topics that must have the same partition count (joins), real names.</summary>
    public IReadOnlyList<IReadOnlyList<string>> CopartitionGroups => _copartitionGroups;

    /// <summary>Whether the topology has global stores.</summary>
    public bool HasGlobalStores => _globalGroups.Count > 0;

    /// <summary>The topics of the global stores.</summary>
    public IReadOnlyList<string> GlobalTopics
    {
        get
        {
            var topics = new List<string>();
            foreach (var group in _globalGroups)
            {
                foreach (var node in group.Nodes)
                {
                    if (node is SourceNodeFactory source)
                    {
                        foreach (var topic in source.Topics)
                        {
                            topics.Add(_namer.Decorate(topic));
                        }
                    }
                }
            }

            return topics;
        }
    }

    /// <summary>Every topic the sub-topologies read by name (user and repartition topics).</summary>
    public IReadOnlyList<string> SourceTopics
    {
        get
        {
            var topics = new List<string>();
            foreach (var subtopology in _subtopologies)
            {
                topics.AddRange(subtopology.SourceTopics);
            }

            return topics;
        }
    }

    /// <summary>The real name of a topic as the topology names it.</summary>
    public string Decorate(string topic) => _namer.Decorate(topic);

    /// <summary>
    /// The tasks and their input partitions, as Kafka's partition grouper derives them: sub-topology s with
    /// inputs of at most n partitions makes tasks s_0..s_(n-1), task s_p reading partition p of each input
    /// that has it. <paramref name="partitionCount"/> gives a topic's partition count (0 or less: unknown);
    /// <paramref name="existingTopics"/> resolves pattern sources.
    /// </summary>
    public SortedDictionary<TaskId, TopicPartition[]> TaskPartitions(Func<string, int> partitionCount, IEnumerable<string>? existingTopics = null)
    {
        var tasks = new SortedDictionary<TaskId, TopicPartition[]>();
        var existing = existingTopics?.ToList() ?? [];
        foreach (var subtopology in _subtopologies)
        {
            var topics = new List<string>(subtopology.SourceTopics);
            foreach (var topic in existing)
            {
                if (!topics.Contains(topic) && subtopology.SourcePatterns.Any(p => p.IsMatch(topic)))
                {
                    topics.Add(topic);
                }
            }

            var counts = topics.Select(t => (Topic: t, Count: partitionCount(t))).Where(t => t.Count > 0).ToList();
            var max = counts.Count == 0 ? 0 : counts.Max(t => t.Count);
            for (var p = 0; p < max; p++)
            {
                tasks[new TaskId(subtopology.Id, p)] = [.. counts.Where(t => t.Count > p).Select(t => new TopicPartition(t.Topic, p))];
            }
        }

        return tasks;
    }

    /// <summary>Builds the task <paramref name="id"/> reading <paramref name="partitions"/>.</summary>
    /// <exception cref="TopologyException">The sub-topology does not exist, or a partition's topic is read by none of its sources.</exception>
    public StreamTask CreateTask(TaskId id, IReadOnlyCollection<TopicPartition> partitions, TaskEnvironment environment)
    {
        var subtopology = _subtopologies.FirstOrDefault(s => s.Id == id.Subtopology)
            ?? throw new TopologyException($"task {id} has no sub-topology {id.Subtopology}.");
        var nodes = BuildNodes(subtopology.Nodes);
        var inputs = new List<(TopicPartition, SourceNode)>(partitions.Count);
        foreach (var partition in partitions)
        {
            inputs.Add((partition, SourceFor(subtopology.Nodes, nodes, partition.Topic, id)));
        }

        SourceNode? ResolvePattern(string topic)
        {
            for (var i = 0; i < subtopology.Nodes.Count; i++)
            {
                if (subtopology.Nodes[i] is SourceNodeFactory { Pattern: { } pattern } && pattern.IsMatch(topic))
                {
                    return (SourceNode)nodes[i];
                }
            }

            return null;
        }

        return new StreamTask(
            id,
            ApplicationId,
            nodes,
            inputs,
            subtopology.Stores,
            store => subtopology.ChangelogTopics.GetValueOrDefault(store),
            environment,
            subtopology.SourcePatterns.Count > 0 ? ResolvePattern : null);
    }

    /// <summary>Builds the global task, or null when the topology has no global stores.</summary>
    public GlobalStateTask? CreateGlobalTask(TaskEnvironment environment)
    {
        if (_globalGroups.Count == 0)
        {
            return null;
        }

        var factories = _globalGroups.SelectMany(g => g.Nodes).ToList();
        var nodes = BuildNodes(factories);
        var sources = new Dictionary<string, SourceNode>(StringComparer.Ordinal);
        foreach (var factory in factories.OfType<SourceNodeFactory>())
        {
            foreach (var topic in factory.Topics)
            {
                sources[_namer.Decorate(topic)] = (SourceNode)nodes.First(n => n.Name == factory.Name);
            }
        }

        var stores = factories.OfType<ProcessorNodeFactory>().SelectMany(p => p.StoreNames).Distinct().Select(s => _topology.GlobalStores[s]).ToList();
        return new GlobalStateTask(ApplicationId, nodes, sources, stores, environment);
    }

    private List<ProcessorNode> BuildNodes(IReadOnlyList<NodeFactory> factories)
    {
        var nodes = new List<ProcessorNode>(factories.Count);
        var byName = new Dictionary<string, ProcessorNode>(StringComparer.Ordinal);
        foreach (var factory in factories)
        {
            var node = factory.Build(_namer);
            nodes.Add(node);
            byName[node.Name] = node;
            foreach (var parent in factory.Predecessors)
            {
                byName[parent].Children.Add(node);
            }
        }

        return nodes;
    }

    private SourceNode SourceFor(IReadOnlyList<NodeFactory> factories, List<ProcessorNode> nodes, string topic, TaskId id)
    {
        for (var i = 0; i < factories.Count; i++)
        {
            if (factories[i] is SourceNodeFactory source && source.Reads(topic, _namer))
            {
                return (SourceNode)nodes[i];
            }
        }

        throw new TopologyException($"task {id} was given topic '{topic}', which no source of sub-topology {id.Subtopology} reads.");
    }

    private void CheckStores()
    {
        foreach (var node in _topology.Nodes)
        {
            if (node is ProcessorNodeFactory processor)
            {
                foreach (var store in processor.StoreNames)
                {
                    if (!_topology.Stores.ContainsKey(store) && !_topology.GlobalStores.ContainsKey(store))
                    {
                        throw new TopologyException($"processor '{node.Name}' uses state store '{store}', which is not added.");
                    }
                }
            }
        }
    }

    private Subtopology Resolve(NodeGroups.Group group)
    {
        var sourceTopics = new List<string>();
        var repartitionTopics = new List<string>();
        var patterns = new List<System.Text.RegularExpressions.Regex>();
        var sinkTopics = new List<string>();
        var stores = new List<IStoreBuilder>();
        var changelogs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in group.Nodes)
        {
            switch (node)
            {
                case SourceNodeFactory source:
                    if (source.Pattern is not null)
                    {
                        patterns.Add(source.Pattern);
                    }

                    foreach (var topic in source.Topics)
                    {
                        var real = _namer.Decorate(topic);
                        sourceTopics.Add(real);
                        if (_topology.InternalTopics.TryGetValue(topic, out var repartition))
                        {
                            repartitionTopics.Add(real);
                            _internalTopics[real] = new InternalTopicSpec(real, false, group.Id, repartition.NumberOfPartitions, Merge(RepartitionTopicConfig.DefaultConfigs, repartition.TopicConfigs));
                        }
                    }

                    break;
                case SinkNodeFactory { Topic: { } topic }:
                    sinkTopics.Add(_namer.Decorate(topic));
                    break;
                case ProcessorNodeFactory processor:
                    foreach (var storeName in processor.StoreNames)
                    {
                        if (!_topology.Stores.TryGetValue(storeName, out var builder) || stores.Contains(builder))
                        {
                            continue;
                        }

                        stores.Add(builder);
                        if (_topology.SourceChangelogTopics.TryGetValue(storeName, out var sourceTopic))
                        {
                            changelogs[storeName] = _namer.Decorate(sourceTopic);
                        }
                        else if (builder.LoggingEnabled)
                        {
                            var changelog = _namer.Changelog(storeName);
                            changelogs[storeName] = changelog;
                            _internalTopics[changelog] = new InternalTopicSpec(changelog, true, group.Id, null, Merge(new Dictionary<string, string> { ["cleanup.policy"] = "compact" }, builder.LogConfig));
                        }
                    }

                    break;
            }
        }

        return new Subtopology
        {
            Id = group.Id,
            Nodes = group.Nodes,
            SourceTopics = sourceTopics,
            SourcePatterns = patterns,
            RepartitionSourceTopics = repartitionTopics,
            SinkTopics = sinkTopics,
            Stores = stores,
            ChangelogTopics = changelogs,
        };
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> defaults, IReadOnlyDictionary<string, string>? overrides)
    {
        var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                merged[key] = value;
            }
        }

        return merged;
    }
}
