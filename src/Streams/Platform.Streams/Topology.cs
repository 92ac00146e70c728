using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.State;

namespace Platform.Streams;

/// <summary>
/// A processing graph (Kafka Streams' Processor API): sources read topics, processors transform records and
/// use state stores, sinks write topics. Connected nodes form sub-topologies; each runs as one task per
/// input partition. Build one directly, or let <c>StreamsBuilder</c> build it from the DSL.
/// </summary>
public sealed partial class Topology
{
    private readonly List<NodeFactory> _nodes = [];
    private readonly Dictionary<string, NodeFactory> _nodesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IStoreBuilder> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IStoreBuilder> _globalStores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _storeChangelogTopics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RepartitionTopicConfig> _internalTopics = new(StringComparer.Ordinal);
    private readonly List<string[]> _copartitionedSources = [];
    private readonly HashSet<string> _globalNodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sourceTopics = new(StringComparer.Ordinal);

    /// <summary>Adds a source reading <paramref name="topics"/> with the default serdes (<c>default.key.serde</c>, <c>default.value.serde</c>).</summary>
    /// <exception cref="TopologyException">The name is taken, or a topic is read by another source.</exception>
    public Topology AddSource<TKey, TValue>(string name, params string[] topics)
        => AddSource<TKey, TValue>(name, topics, null, null, null);

    /// <summary>Adds a source reading every topic matching <paramref name="topicPattern"/>, with the default serdes.</summary>
    public Topology AddSource<TKey, TValue>(string name, Regex topicPattern)
        => AddSource<TKey, TValue>(name, topicPattern, null, null);

    /// <summary>Adds a source reading <paramref name="topics"/> with these deserializers (null: the default serde).</summary>
    public Topology AddSource<TKey, TValue>(string name, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer, params string[] topics)
        => AddSource(name, topics, keyDeserializer, valueDeserializer, null);

    /// <summary>Adds a source reading the topics matching <paramref name="topicPattern"/> with these deserializers (null: the default serde).</summary>
    public Topology AddSource<TKey, TValue>(string name, Regex topicPattern, IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer, ITimestampExtractor? timestampExtractor = null, AutoOffsetReset? offsetReset = null)
    {
        ArgumentNullException.ThrowIfNull(topicPattern);
        CheckNewName(name);
        foreach (var node in _nodes)
        {
            if (node is SourceNodeFactory { Pattern: { } other } && other.ToString() == topicPattern.ToString())
            {
                throw new TopologyException($"pattern '{topicPattern}' is already read by source '{node.Name}'.");
            }
        }

        Add(new SourceNodeFactory<TKey, TValue>(name, [], topicPattern, keyDeserializer, valueDeserializer, timestampExtractor, offsetReset));
        return this;
    }

    /// <summary>Adds a source reading <paramref name="topics"/>: deserializers, timestamp extractor and offset reset may be null for the defaults.</summary>
    /// <exception cref="TopologyException">The name is taken, no topic is given, or a topic is already read by another source.</exception>
    public Topology AddSource<TKey, TValue>(
        string name,
        IReadOnlyCollection<string> topics,
        IDeserializer<TKey>? keyDeserializer,
        IDeserializer<TValue>? valueDeserializer,
        ITimestampExtractor? timestampExtractor,
        AutoOffsetReset? offsetReset = null)
    {
        ArgumentNullException.ThrowIfNull(topics);
        CheckNewName(name);
        if (topics.Count == 0)
        {
            throw new TopologyException($"source '{name}' needs at least one topic.");
        }

        foreach (var topic in topics)
        {
            if (string.IsNullOrEmpty(topic))
            {
                throw new TopologyException($"source '{name}' has an empty topic name.");
            }

            if (_sourceTopics.Contains(topic))
            {
                throw new TopologyException($"topic '{topic}' is already read by another source; source '{name}' cannot read it too.");
            }
        }

        foreach (var topic in topics)
        {
            _sourceTopics.Add(topic);
        }

        Add(new SourceNodeFactory<TKey, TValue>(name, [.. topics], null, keyDeserializer, valueDeserializer, timestampExtractor, offsetReset));
        return this;
    }

    /// <summary>Adds a processor made by <paramref name="supplier"/> (called once per task) as a child of <paramref name="parentNames"/>.</summary>
    /// <exception cref="TopologyException">The name is taken, no parent is given, or a parent is unknown or a sink.</exception>
    public Topology AddProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(string name, Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier, params string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        CheckNewName(name);
        CheckParents(name, parentNames);
        Add(new ProcessorNodeFactory<TKeyIn, TValueIn, TKeyOut, TValueOut>(name, [.. parentNames], supplier));
        return this;
    }

    /// <summary>Adds a sink writing to <paramref name="topic"/> with the default serdes and partitioner.</summary>
    public Topology AddSink<TKey, TValue>(string name, string topic, params string[] parentNames)
        => AddSink<TKey, TValue>(name, topic, null, null, null, parentNames);

    /// <summary>Adds a sink writing to <paramref name="topic"/>; serializers and partitioner may be null for the defaults.</summary>
    /// <exception cref="TopologyException">The name is taken, no parent is given, or a parent is unknown or a sink.</exception>
    public Topology AddSink<TKey, TValue>(string name, string topic, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer, IStreamPartitioner<TKey, TValue>? partitioner, params string[] parentNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        CheckNewName(name);
        CheckParents(name, parentNames);
        Add(new SinkNodeFactory<TKey, TValue>(name, [.. parentNames], topic, null, keySerializer, valueSerializer, partitioner));
        return this;
    }

    /// <summary>Adds a sink writing each record to the topic <paramref name="topicExtractor"/> picks.</summary>
    /// <exception cref="TopologyException">The name is taken, no parent is given, or a parent is unknown or a sink.</exception>
    public Topology AddSink<TKey, TValue>(string name, ITopicNameExtractor<TKey, TValue> topicExtractor, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer, IStreamPartitioner<TKey, TValue>? partitioner, params string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(topicExtractor);
        CheckNewName(name);
        CheckParents(name, parentNames);
        Add(new SinkNodeFactory<TKey, TValue>(name, [.. parentNames], null, topicExtractor, keySerializer, valueSerializer, partitioner));
        return this;
    }

    /// <summary>Adds a store (one instance per task) and connects it to <paramref name="processorNames"/>.</summary>
    /// <exception cref="TopologyException">A store of that name exists, or a processor is unknown.</exception>
    public Topology AddStateStore(IStoreBuilder storeBuilder, params string[] processorNames)
    {
        ArgumentNullException.ThrowIfNull(storeBuilder);
        if (_stores.ContainsKey(storeBuilder.Name) || _globalStores.ContainsKey(storeBuilder.Name))
        {
            throw new TopologyException($"state store '{storeBuilder.Name}' is already added.");
        }

        _stores.Add(storeBuilder.Name, storeBuilder);
        return ConnectProcessorsToStore(storeBuilder.Name, processorNames);
    }

    /// <summary>Connects stores added earlier to <paramref name="processorName"/>, so it can use them (and shares a task with their other users).</summary>
    /// <exception cref="TopologyException">The processor or a store is unknown.</exception>
    public Topology ConnectProcessorAndStateStores(string processorName, params string[] storeNames)
    {
        ArgumentNullException.ThrowIfNull(storeNames);
        foreach (var store in storeNames)
        {
            if (!_stores.ContainsKey(store))
            {
                throw new TopologyException(_globalStores.ContainsKey(store)
                    ? $"store '{store}' is a global store: every processor can read it without connecting."
                    : $"state store '{store}' is not added yet (processor '{processorName}').");
            }

            ConnectProcessorsToStore(store, [processorName]);
        }

        return this;
    }

    /// <summary>
    /// Adds a global store: every instance holds all of <paramref name="topic"/>'s partitions, kept up to date by
    /// <paramref name="processorSupplier"/> (which writes the store), and every processor can read it. The topic is
    /// the store's changelog, so <paramref name="storeBuilder"/> must have logging disabled.
    /// </summary>
    /// <exception cref="TopologyException">A name is taken, the store logs, or the topic is read elsewhere.</exception>
    public Topology AddGlobalStore<TKey, TValue>(
        IStoreBuilder storeBuilder,
        string sourceName,
        IDeserializer<TKey>? keyDeserializer,
        IDeserializer<TValue>? valueDeserializer,
        string topic,
        string processorName,
        Func<IProcessor<TKey, TValue, Null?, Null?>> processorSupplier,
        ITimestampExtractor? timestampExtractor = null)
    {
        ArgumentNullException.ThrowIfNull(storeBuilder);
        ArgumentNullException.ThrowIfNull(processorSupplier);
        if (storeBuilder.LoggingEnabled)
        {
            throw new TopologyException($"global store '{storeBuilder.Name}' must have logging disabled: its topic '{topic}' is its changelog.");
        }

        if (_stores.ContainsKey(storeBuilder.Name) || _globalStores.ContainsKey(storeBuilder.Name))
        {
            throw new TopologyException($"state store '{storeBuilder.Name}' is already added.");
        }

        if (sourceName == processorName)
        {
            throw new TopologyException($"the source and processor of global store '{storeBuilder.Name}' both are named '{sourceName}'.");
        }

        CheckNewName(processorName);
        AddSource(sourceName, [topic], keyDeserializer, valueDeserializer, timestampExtractor);
        var processor = new ProcessorNodeFactory<TKey, TValue, Null?, Null?>(processorName, [sourceName], processorSupplier);
        processor.StoreNames.Add(storeBuilder.Name);
        Add(processor);
        _globalNodes.Add(sourceName);
        _globalNodes.Add(processorName);
        _globalStores.Add(storeBuilder.Name, storeBuilder);
        _storeChangelogTopics[storeBuilder.Name] = topic;
        return this;
    }

    /// <summary>
    /// Adds a task-local store that mirrors <paramref name="topic"/> through <paramref name="processorSupplier"/>:
    /// the topic is its changelog (logging is turned off), and other processors may only read it.
    /// </summary>
    /// <exception cref="TopologyException">A name is taken or the topic is read elsewhere.</exception>
    public Topology AddReadOnlyStateStore<TKey, TValue>(
        IStoreBuilder storeBuilder,
        string sourceName,
        IDeserializer<TKey>? keyDeserializer,
        IDeserializer<TValue>? valueDeserializer,
        string topic,
        string processorName,
        Func<IProcessor<TKey, TValue, Null?, Null?>> processorSupplier,
        ITimestampExtractor? timestampExtractor = null)
    {
        ArgumentNullException.ThrowIfNull(storeBuilder);
        if (storeBuilder is IStoreBuilder<IStateStore> typed)
        {
            typed.WithLoggingDisabled();
        }
        else if (storeBuilder.LoggingEnabled)
        {
            throw new TopologyException($"read-only store '{storeBuilder.Name}' must have logging disabled: its topic '{topic}' is its changelog.");
        }

        AddSource(sourceName, [topic], keyDeserializer, valueDeserializer, timestampExtractor);
        AddProcessor(processorName, processorSupplier, sourceName);
        AddStateStore(storeBuilder, processorName);
        _storeChangelogTopics[storeBuilder.Name] = topic;
        return this;
    }

    /// <summary>Kafka's text layout of the sub-topologies and global stores.</summary>
    public TopologyDescription Describe() => TopologyDescription.Of(this);

    /// <summary>A Mermaid flowchart of <see cref="Describe"/>, for a README.</summary>
    public string ToMermaid() => Describe().ToMermaid();

    /// <inheritdoc/>
    public override string ToString() => Describe().ToString();

    private Topology ConnectProcessorsToStore(string storeName, string[] processorNames)
    {
        ArgumentNullException.ThrowIfNull(processorNames);
        foreach (var name in processorNames)
        {
            if (!_nodesByName.TryGetValue(name, out var node))
            {
                throw new TopologyException($"processor '{name}' is not added yet (store '{storeName}').");
            }

            if (node is not ProcessorNodeFactory processor)
            {
                throw new TopologyException($"'{name}' is a source or sink; only processors can use state store '{storeName}'.");
            }

            if (!processor.StoreNames.Contains(storeName))
            {
                processor.StoreNames.Add(storeName);
            }
        }

        return this;
    }

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new TopologyException("a node name must not be empty.");
        }

        if (_nodesByName.ContainsKey(name))
        {
            throw new TopologyException($"processor '{name}' is already added.");
        }
    }

    private void CheckParents(string name, string[] parentNames)
    {
        ArgumentNullException.ThrowIfNull(parentNames);
        if (parentNames.Length == 0)
        {
            throw new TopologyException($"'{name}' needs at least one parent.");
        }

        foreach (var parent in parentNames)
        {
            if (parent == name)
            {
                throw new TopologyException($"'{name}' cannot be its own parent.");
            }

            if (!_nodesByName.TryGetValue(parent, out var node))
            {
                throw new TopologyException($"parent '{parent}' of '{name}' is not added yet.");
            }

            if (node is SinkNodeFactory)
            {
                throw new TopologyException($"sink '{parent}' cannot be the parent of '{name}'.");
            }

            if (_globalNodes.Contains(parent))
            {
                throw new TopologyException($"'{parent}' belongs to a global store and cannot have children ('{name}').");
            }
        }
    }

    private void Add(NodeFactory node)
    {
        _nodes.Add(node);
        _nodesByName.Add(node.Name, node);
    }
}
