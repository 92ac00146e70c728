using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

/// <summary>Stores each record's value with its timestamp.</summary>
internal sealed class TimestampedWriter(string storeName) : IProcessor<string, string, string, string>
{
    private ITimestampedKeyValueStore<string, string> _store = null!;

    public void Init(IProcessorContext<string, string> context) => _store = context.GetStateStore<ITimestampedKeyValueStore<string, string>>(storeName);

    public void Process(Record<string, string> record) => _store.Put(record.Key, new ValueAndTimestamp<string>(record.Value, record.Timestamp));
}
