using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary>A processor that keeps its context: the base of the DSL's processors.</summary>
internal abstract class ContextualProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> : IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>
{
    private IProcessorContext<TKeyOut, TValueOut>? _context;

    /// <summary>The context given to <see cref="Init"/>.</summary>
    protected IProcessorContext<TKeyOut, TValueOut> Context => _context ?? throw new InvalidOperationException($"{GetType().Name} was used before Init.");

    /// <inheritdoc/>
    public virtual void Init(IProcessorContext<TKeyOut, TValueOut> context) => _context = context;

    /// <inheritdoc/>
    public abstract void Process(Record<TKeyIn, TValueIn> record);

    /// <inheritdoc/>
    public virtual void Close()
    {
    }
}
