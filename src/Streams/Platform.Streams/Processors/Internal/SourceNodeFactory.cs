using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Client.Serialization;

namespace Platform.Streams.Processors.Internal;

/// <summary>A source as described: the topics (or pattern) it reads and how.</summary>
internal abstract class SourceNodeFactory : NodeFactory
{
    protected SourceNodeFactory(string name, string[] topics, Regex? pattern, ITimestampExtractor? timestampExtractor, AutoOffsetReset? offsetReset)
        : base(name, [])
    {
        Topics = topics;
        Pattern = pattern;
        TimestampExtractor = timestampExtractor;
        OffsetReset = offsetReset;
    }

    /// <summary>The topics as given (internal ones undecorated); empty with a pattern.</summary>
    public string[] Topics { get; }

    /// <summary>The topic pattern, or null.</summary>
    public Regex? Pattern { get; }

    /// <summary>The source's own timestamp extractor, or null for the default.</summary>
    public ITimestampExtractor? TimestampExtractor { get; }

    /// <summary>The source's own <c>auto.offset.reset</c>, or null.</summary>
    public AutoOffsetReset? OffsetReset { get; }

    /// <summary>Whether the source reads <paramref name="topic"/> (decorated name).</summary>
    public bool Reads(string topic, TopicNamer topics)
    {
        if (Pattern is not null)
        {
            return Pattern.IsMatch(topic);
        }

        foreach (var t in Topics)
        {
            if (topics.Decorate(t) == topic)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A typed source.</summary>
internal sealed class SourceNodeFactory<TKey, TValue>(
    string name,
    string[] topics,
    Regex? pattern,
    IDeserializer<TKey>? keyDeserializer,
    IDeserializer<TValue>? valueDeserializer,
    ITimestampExtractor? timestampExtractor,
    AutoOffsetReset? offsetReset)
    : SourceNodeFactory(name, topics, pattern, timestampExtractor, offsetReset)
{
    public override ProcessorNode Build(TopicNamer topics) => new SourceNode<TKey, TValue>(Name, keyDeserializer, valueDeserializer, TimestampExtractor);
}
