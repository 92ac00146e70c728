using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Asks for a commit on every record.</summary>
internal sealed class CommittingProcessor : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;

    public void Init(IProcessorContext<string, string> context) => _context = context;

    public void Process(Record<string, string> record) => _context.Commit();
}
