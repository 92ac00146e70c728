namespace Platform.Streams.Processors.Internal;

/// <summary>A node of a <see cref="Topology"/> as described: each task builds its own node from it.</summary>
internal abstract class NodeFactory
{
    protected NodeFactory(string name, string[] predecessors)
    {
        Name = name;
        Predecessors = predecessors;
    }

    /// <summary>The node's unique name.</summary>
    public string Name { get; }

    /// <summary>The parents' names, in the order given.</summary>
    public string[] Predecessors { get; }

    /// <summary>Builds the node for one task; <paramref name="topics"/> decorates internal topic names.</summary>
    public abstract ProcessorNode Build(TopicNamer topics);
}
