using System.Text;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams;

/// <summary>
/// What <see cref="Topology.Describe"/> shows: the sub-topologies (each runs as one task per input partition)
/// and the global stores, with every node's topics, stores, parents and children. <see cref="ToString"/>
/// prints Kafka's layout; <see cref="ToMermaid"/> a diagram.
/// </summary>
public sealed class TopologyDescription
{
    private TopologyDescription(IReadOnlyList<SubtopologyDescription> subtopologies) => Subtopologies = subtopologies;

    /// <summary>The sub-topologies, by id, global ones included (<see cref="SubtopologyDescription.IsGlobal"/>).</summary>
    public IReadOnlyList<SubtopologyDescription> Subtopologies { get; }

    internal static TopologyDescription Of(Topology topology)
    {
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var node in topology.Nodes)
        {
            children[node.Name] = [];
        }

        foreach (var node in topology.Nodes)
        {
            foreach (var parent in node.Predecessors)
            {
                children[parent].Add(node.Name);
            }
        }

        var subtopologies = new List<SubtopologyDescription>();
        foreach (var group in NodeGroups.Compute(topology))
        {
            var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
            var described = new List<TopologyNodeDescription>();
            foreach (var node in group.Nodes)
            {
                described.Add(Describe(node, children[node.Name]));
            }

            // Kafka's order: nodes with bigger sub-trees first (sources), then by name.
            described.Sort((a, b) =>
            {
                var bySize = SubtreeSize(b.Name, children, sizes).CompareTo(SubtreeSize(a.Name, children, sizes));
                return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
            });
            subtopologies.Add(new SubtopologyDescription(group.Id, described, group.IsGlobal));
        }

        return new TopologyDescription(subtopologies);
    }

    /// <summary>Kafka's text layout (<c>Topologies:</c>, <c>Sub-topology: 0</c>, <c>Source: ... (topics: [...])</c>, ...).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("Topologies:\n ");
        foreach (var subtopology in Subtopologies)
        {
            text.Append(subtopology).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A Mermaid flowchart: one box per sub-topology, topics as parallelograms, stores as cylinders.</summary>
    public string ToMermaid()
    {
        var text = new StringBuilder("flowchart TD\n");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var topics = new Dictionary<string, string>(StringComparer.Ordinal);
        var stores = new Dictionary<string, string>(StringComparer.Ordinal);
        var edges = new StringBuilder();
        foreach (var subtopology in Subtopologies)
        {
            text.Append("    subgraph sub").Append(subtopology.Id).Append("[\"Sub-topology ").Append(subtopology.Id)
                .Append(subtopology.IsGlobal ? " (global store)" : "").Append("\"]\n");
            foreach (var node in subtopology.Nodes)
            {
                var id = "n" + ids.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                ids[node.Name] = id;
                text.Append("        ").Append(id).Append("[\"").Append(Escape(node.Name)).Append("\"]\n");
            }

            text.Append("    end\n");
        }

        foreach (var subtopology in Subtopologies)
        {
            foreach (var node in subtopology.Nodes)
            {
                var id = ids[node.Name];
                switch (node.Kind)
                {
                    case TopologyNodeKind.Source:
                        var source = node.TopicPattern ?? string.Join(", ", node.Topics);
                        edges.Append("    ").Append(Id(topics, "t", source, text, "[/\"", "\"/]")).Append(" --> ").Append(id).Append('\n');
                        break;
                    case TopologyNodeKind.Sink:
                        var sink = node.TopicNameExtractor ?? node.Topics[0];
                        edges.Append("    ").Append(id).Append(" --> ").Append(Id(topics, "t", sink, text, "[/\"", "\"/]")).Append('\n');
                        break;
                }

                foreach (var store in node.Stores)
                {
                    edges.Append("    ").Append(id).Append(" -.- ").Append(Id(stores, "s", store, text, "[(\"", "\")]")).Append('\n');
                }

                foreach (var child in node.Successors)
                {
                    edges.Append("    ").Append(id).Append(" --> ").Append(ids[child]).Append('\n');
                }
            }
        }

        return text.Append(edges).ToString();
    }

    private static string Id(Dictionary<string, string> known, string prefix, string name, StringBuilder declarations, string open, string close)
    {
        if (!known.TryGetValue(name, out var id))
        {
            id = prefix + known.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            known[name] = id;
            declarations.Append("    ").Append(id).Append(open).Append(Escape(name)).Append(close).Append('\n');
        }

        return id;
    }

    private static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);

    private static int SubtreeSize(string name, Dictionary<string, List<string>> children, Dictionary<string, int> sizes)
    {
        if (sizes.TryGetValue(name, out var size))
        {
            return size;
        }

        sizes[name] = 1;
        size = 1;
        foreach (var child in children[name])
        {
            size += SubtreeSize(child, children, sizes);
        }

        sizes[name] = size;
        return size;
    }

    private static TopologyNodeDescription Describe(NodeFactory node, List<string> successors) => node switch
    {
        SourceNodeFactory source => new(node.Name, TopologyNodeKind.Source, source.Topics, source.Pattern?.ToString(), null, [], [], successors),
        ProcessorNodeFactory processor => new(node.Name, TopologyNodeKind.Processor, [], null, null, [.. processor.StoreNames], node.Predecessors, successors),
        SinkNodeFactory sink => new(node.Name, TopologyNodeKind.Sink, sink.Topic is null ? [] : [sink.Topic], null, sink.TopicNameExtractor?.GetType().Name, [], node.Predecessors, []),
        _ => throw new InvalidOperationException($"Unknown node kind {node.GetType().Name}."),
    };
}
