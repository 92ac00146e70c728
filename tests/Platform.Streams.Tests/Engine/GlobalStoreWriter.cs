using Platform.Client.Serialization;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

/// <summary>Keeps a global store equal to its topic (null value: delete).</summary>
internal sealed class GlobalStoreWriter(string storeName) : IProcessor<string, string, Null?, Null?>
{
    private IKeyValueStore<string, string> _store = null!;

    public void Init(IProcessorContext<Null?, Null?> context) => _store = context.GetStateStore<IKeyValueStore<string, string>>(storeName);

    public void Process(Record<string, string> record) => _store.Put(record.Key, record.Value);
}
