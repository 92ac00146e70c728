namespace Platform.Streams.Processors.Internal;

/// <summary>A node of one task's graph: a source, a processor or a sink.</summary>
internal abstract class ProcessorNode(string name)
{
    /// <summary>The node's name.</summary>
    public string Name { get; } = name;

    /// <summary>The children, in the order they were added to the topology.</summary>
    public List<ProcessorNode> Children { get; } = [];

    /// <summary>Wires the typed children and initializes the node (the user's processor included).</summary>
    public abstract void Init(TaskContext task);

    /// <summary>Runs a punctuator this node scheduled.</summary>
    public virtual void Punctuate(Action<long> punctuator, long time) => punctuator(time);

    /// <summary>Closes the node (the user's processor included).</summary>
    public virtual void Close()
    {
    }
}
