using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Takes any key and value (declared as object) and forwards the value's type and text.</summary>
internal sealed class ObjectDescriber : IProcessor<object, object, string, string>
{
    private IProcessorContext<string, string> _context = null!;

    public void Init(IProcessorContext<string, string> context) => _context = context;

    public void Process(Record<object, object> record)
        => _context.Forward(new Record<string, string>(record.Key.ToString()!, $"{record.Value.GetType().Name}:{record.Value}", record.Timestamp, record.Headers));
}
