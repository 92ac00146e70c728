namespace Platform.Streams.Processors.Internal;

/// <summary>A processor as described: its supplier and the stores connected to it.</summary>
internal abstract class ProcessorNodeFactory(string name, string[] predecessors) : NodeFactory(name, predecessors)
{
    /// <summary>Stores connected to this processor, in the order connected.</summary>
    public List<string> StoreNames { get; } = [];
}

/// <summary>A typed processor.</summary>
internal sealed class ProcessorNodeFactory<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    string name,
    string[] predecessors,
    Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier)
    : ProcessorNodeFactory(name, predecessors)
{
    public override ProcessorNode Build(TopicNamer topics)
    {
        var processor = supplier() ?? throw new Errors.TopologyException($"the supplier of processor '{Name}' returned null.");
        return new ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(Name, processor, [.. StoreNames]);
    }
}
