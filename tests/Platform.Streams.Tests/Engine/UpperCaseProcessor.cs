using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Forwards values upper-cased, to every child or to the child named in the value's prefix ("to:child:value").</summary>
internal sealed class UpperCaseProcessor : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;

    public void Init(IProcessorContext<string, string> context) => _context = context;

    public void Process(Record<string, string> record)
    {
        if (record.Value.StartsWith("to:", StringComparison.Ordinal))
        {
            var parts = record.Value.Split(':', 3);
            _context.Forward(record with { Value = parts[2].ToUpperInvariant() }, parts[1]);
        }
        else
        {
            _context.Forward(record with { Value = record.Value.ToUpperInvariant() });
        }
    }
}
