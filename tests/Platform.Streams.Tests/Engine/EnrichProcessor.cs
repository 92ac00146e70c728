using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

/// <summary>Appends the global store's value for the record's key.</summary>
internal sealed class EnrichProcessor(string globalStore) : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;
    private IKeyValueStore<string, string> _store = null!;

    public void Init(IProcessorContext<string, string> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<string, string>>(globalStore);
    }

    public void Process(Record<string, string> record)
        => _context.Forward(record with { Value = $"{record.Value} for {_store.Get(record.Key) ?? "(unknown)"}" });
}
