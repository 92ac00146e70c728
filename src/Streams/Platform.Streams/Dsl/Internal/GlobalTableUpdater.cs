using Platform.Client.Serialization;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Keeps a global table's store up to date from its topic: upserts, and deletes on null values.</summary>
internal sealed class GlobalTableUpdater<TKey, TValue>(string storeName) : IProcessor<TKey, TValue, Null?, Null?>
{
    private ITimestampedKeyValueStore<TKey, TValue>? _store;

    public void Init(IProcessorContext<Null?, Null?> context) => _store = context.GetStateStore<ITimestampedKeyValueStore<TKey, TValue>>(storeName);

    public void Process(Record<TKey, TValue> record)
    {
        if (record.Key is null)
        {
            return;
        }

        if (record.Value is null)
        {
            _store!.Delete(record.Key);
        }
        else
        {
            _store!.Put(record.Key, new ValueAndTimestamp<TValue>(record.Value, record.Timestamp));
        }
    }
}
