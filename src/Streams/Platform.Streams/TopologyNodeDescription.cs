namespace Platform.Streams;

/// <summary>One node of a <see cref="TopologyDescription"/>.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Kind">Source, processor or sink.</param>
/// <param name="Topics">A source's topics (internal ones without the application id); a sink's topic.</param>
/// <param name="TopicPattern">A source's topic pattern, or null.</param>
/// <param name="TopicNameExtractor">A sink's topic extractor type, or null.</param>
/// <param name="Stores">A processor's stores.</param>
/// <param name="Predecessors">The parents' names.</param>
/// <param name="Successors">The children's names.</param>
public sealed record TopologyNodeDescription(
    string Name,
    TopologyNodeKind Kind,
    IReadOnlyList<string> Topics,
    string? TopicPattern,
    string? TopicNameExtractor,
    IReadOnlyList<string> Stores,
    IReadOnlyList<string> Predecessors,
    IReadOnlyList<string> Successors)
{
    /// <summary>Kafka's text for the node (two lines or three).</summary>
    public override string ToString()
    {
        var successors = Names(Successors);
        var predecessors = Names(Predecessors);
        return Kind switch
        {
            TopologyNodeKind.Source => $"Source: {Name} (topics: {(TopicPattern ?? "[" + string.Join(", ", Topics) + "]")})\n      --> {successors}",
            TopologyNodeKind.Processor => $"Processor: {Name} (stores: [{string.Join(", ", Stores)}])\n      --> {successors}\n      <-- {predecessors}",
            _ => TopicNameExtractor is not null
                ? $"Sink: {Name} (extractor class: {TopicNameExtractor})\n      <-- {predecessors}"
                : $"Sink: {Name} (topic: {Topics[0]})\n      <-- {predecessors}",
        };
    }

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
}
