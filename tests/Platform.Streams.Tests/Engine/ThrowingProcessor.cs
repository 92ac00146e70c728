using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Throws on values equal to "boom", forwards the others.</summary>
internal sealed class ThrowingProcessor : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;

    public void Init(IProcessorContext<string, string> context) => _context = context;

    public void Process(Record<string, string> record)
    {
        if (record.Value == "boom")
        {
            throw new InvalidOperationException("boom value");
        }

        _context.Forward(record);
    }
}
