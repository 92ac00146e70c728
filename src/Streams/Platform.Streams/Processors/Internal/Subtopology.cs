using System.Text.RegularExpressions;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>A resolved sub-topology: its nodes, input and output topics (real names), and stores with their changelogs.</summary>
internal sealed class Subtopology
{
    public required int Id { get; init; }

    /// <summary>The nodes in the order added to the topology.</summary>
    public required IReadOnlyList<NodeFactory> Nodes { get; init; }

    /// <summary>Topics its sources read by name.</summary>
    public required IReadOnlyList<string> SourceTopics { get; init; }

    /// <summary>Patterns its sources read.</summary>
    public required IReadOnlyList<Regex> SourcePatterns { get; init; }

    /// <summary>Repartition topics among <see cref="SourceTopics"/>.</summary>
    public required IReadOnlyList<string> RepartitionSourceTopics { get; init; }

    /// <summary>Topics its sinks write by name.</summary>
    public required IReadOnlyList<string> SinkTopics { get; init; }

    /// <summary>Its stores, in the order their processors were added.</summary>
    public required IReadOnlyList<IStoreBuilder> Stores { get; init; }

    /// <summary>Store name to changelog topic (a changelog topic or a source topic), for stores that log.</summary>
    public required IReadOnlyDictionary<string, string> ChangelogTopics { get; init; }

    /// <summary>Whether it has stores (its tasks have state to restore and keep).</summary>
    public bool IsStateful => Stores.Count > 0;

    /// <summary>Whether a source of this sub-topology reads <paramref name="topic"/>.</summary>
    public bool Reads(string topic)
    {
        foreach (var t in SourceTopics)
        {
            if (t == topic)
            {
                return true;
            }
        }

        foreach (var pattern in SourcePatterns)
        {
            if (pattern.IsMatch(topic))
            {
                return true;
            }
        }

        return false;
    }
}
