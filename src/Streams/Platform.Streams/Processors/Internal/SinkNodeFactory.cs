using Platform.Client.Serialization;

namespace Platform.Streams.Processors.Internal;

/// <summary>A sink as described: its topic (or topic extractor) and how it writes.</summary>
internal abstract class SinkNodeFactory(string name, string[] predecessors, string? topic) : NodeFactory(name, predecessors)
{
    /// <summary>The topic as given (an internal one undecorated), or null with an extractor.</summary>
    public string? Topic { get; } = topic;

    /// <summary>The extractor, for describing the topology; null with a fixed topic.</summary>
    public abstract object? TopicNameExtractor { get; }
}

/// <summary>A typed sink.</summary>
internal sealed class SinkNodeFactory<TKey, TValue>(
    string name,
    string[] predecessors,
    string? topic,
    ITopicNameExtractor<TKey, TValue>? extractor,
    ISerializer<TKey>? keySerializer,
    ISerializer<TValue>? valueSerializer,
    IStreamPartitioner<TKey, TValue>? partitioner)
    : SinkNodeFactory(name, predecessors, topic)
{
    public override object? TopicNameExtractor => extractor;

    public override ProcessorNode Build(TopicNamer topics)
        => new SinkNode<TKey, TValue>(Name, Topic is null ? null : topics.Decorate(Topic), extractor, keySerializer, valueSerializer, partitioner);
}
