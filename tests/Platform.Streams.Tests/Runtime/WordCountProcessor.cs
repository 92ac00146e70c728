using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Counts each word (the record key) in a key-value store and forwards (word, count).</summary>
internal sealed class WordCountProcessor(string storeName) : IProcessor<string?, string?, string?, long>
{
    private IProcessorContext<string?, long> _context = null!;
    private IKeyValueStore<string?, long> _store = null!;

    public void Init(IProcessorContext<string?, long> context)
    {
        _context = context;
        _store = context.GetStateStore<IKeyValueStore<string?, long>>(storeName);
    }

    public void Process(Record<string?, string?> record)
    {
        var count = _store.TryGet(record.Key, out var previous) ? previous + 1 : 1;
        _store.Put(record.Key, count);
        _context.Forward(new Record<string?, long>(record.Key, count, record.Timestamp));
    }
}
