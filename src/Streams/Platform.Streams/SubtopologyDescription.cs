namespace Platform.Streams;

/// <summary>A sub-topology of a <see cref="TopologyDescription"/>: connected nodes that run as one task per partition.</summary>
/// <param name="Id">The sub-topology's number (the first part of its task ids).</param>
/// <param name="Nodes">Its nodes, sources first.</param>
/// <param name="IsGlobal">Whether it feeds a global store (and makes no tasks).</param>
public sealed record SubtopologyDescription(int Id, IReadOnlyList<TopologyNodeDescription> Nodes, bool IsGlobal)
{
    /// <summary>Kafka's text for the sub-topology.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append("  Sub-topology: ").Append(Id);
        text.Append(IsGlobal ? " for global store (will not generate tasks)\n" : "\n");
        foreach (var node in Nodes)
        {
            text.Append("    ").Append(node).Append('\n');
        }

        return text.ToString();
    }
}
