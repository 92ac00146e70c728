using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.State;

namespace Platform.Streams;

// What the DSL and the runtime use of a topology besides the public builder methods.
public sealed partial class Topology
{
    /// <summary>The nodes in the order added.</summary>
    internal IReadOnlyList<NodeFactory> Nodes => _nodes;

    /// <summary>The in-process observable adapters started and stopped with the instance.</summary>
    internal List<Runtime.IStreamsAttachment> Attachments { get; } = [];

    /// <summary>Task-local stores by name.</summary>
    internal IReadOnlyDictionary<string, IStoreBuilder> Stores => _stores;

    /// <summary>Global stores by name.</summary>
    internal IReadOnlyDictionary<string, IStoreBuilder> GlobalStores => _globalStores;

    /// <summary>Stores whose changelog is a source topic (global and read-only stores), store name to topic.</summary>
    internal IReadOnlyDictionary<string, string> SourceChangelogTopics => _storeChangelogTopics;

    /// <summary>Repartition topics by name (undecorated).</summary>
    internal IReadOnlyDictionary<string, RepartitionTopicConfig> InternalTopics => _internalTopics;

    /// <summary>Groups of source nodes whose topics must be co-partitioned (joins).</summary>
    internal IReadOnlyList<string[]> CopartitionedSources => _copartitionedSources;

    /// <summary>Nodes that belong to global stores.</summary>
    internal IReadOnlySet<string> GlobalNodes => _globalNodes;

    /// <summary>Whether a node of that name exists.</summary>
    internal bool HasNode(string name) => _nodesByName.ContainsKey(name);

    /// <summary>
    /// Declares a repartition topic: sinks and sources naming <paramref name="config"/>'s name use
    /// <c>&lt;application.id&gt;-&lt;name&gt;</c>, and the runtime creates it.
    /// </summary>
    internal void AddInternalTopic(RepartitionTopicConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _internalTopics[config.Name] = config;
    }

    /// <summary>Requires the topics of these sources to have the same partition count (checked at start).</summary>
    internal void CopartitionSources(IEnumerable<string> sourceNames)
    {
        var names = sourceNames.ToArray();
        foreach (var name in names)
        {
            if (!_nodesByName.TryGetValue(name, out var node) || node is not SourceNodeFactory)
            {
                throw new TopologyException($"'{name}' is not a source, so it cannot be co-partitioned.");
            }
        }

        _copartitionedSources.Add(names);
    }

    /// <summary>Uses <paramref name="topic"/> (a source topic) as the changelog of <paramref name="storeName"/> instead of a changelog topic.</summary>
    internal void ConnectSourceStoreAndTopic(string storeName, string topic)
    {
        if (_storeChangelogTopics.TryGetValue(storeName, out var existing) && existing != topic)
        {
            throw new TopologyException($"store '{storeName}' already uses topic '{existing}' as its changelog.");
        }

        _storeChangelogTopics[storeName] = topic;
    }

    /// <summary>Resolves the topology for an application: sub-topologies, internal topics, and task factories.</summary>
    /// <exception cref="TopologyException">It has no source, or a processor uses a store nobody added.</exception>
    internal TopologyMetadata Build(StreamsConfig config) => new(this, config);
}
