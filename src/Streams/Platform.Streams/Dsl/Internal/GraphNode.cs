namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// One node of the DSL's graph: a processor, source, sink, store or internal topic that the DSL call made.
/// Nodes are kept in the order the calls made them (parents always first) and written into the
/// <see cref="Topology"/> only at <see cref="StreamsBuilder.Build"/>, so decisions taken by later calls (a
/// downstream join asking a source table to materialize, or to send old values) are known by then.
/// </summary>
internal sealed class GraphNode
{
    private readonly Action<Topology> _write;

    public GraphNode(string name, Action<Topology> write)
    {
        Name = name;
        _write = write;
    }

    /// <summary>The processor, source or sink name (or store/topic name for those nodes).</summary>
    public string Name { get; }

    /// <summary>Adds this node to <paramref name="topology"/>.</summary>
    public void WriteTo(Topology topology) => _write(topology);
}
