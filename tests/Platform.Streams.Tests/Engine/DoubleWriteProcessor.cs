using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

/// <summary>Writes each record's value into the store twice (first with a marker), forwarding nothing.</summary>
internal sealed class DoubleWriteProcessor(string storeName) : IProcessor<string, string, string, string>
{
    private IKeyValueStore<string, string> _store = null!;

    public void Init(IProcessorContext<string, string> context) => _store = context.GetStateStore<IKeyValueStore<string, string>>(storeName);

    public void Process(Record<string, string> record)
    {
        _store.Put(record.Key, "draft:" + record.Value);
        _store.Put(record.Key, record.Value);
    }
}
