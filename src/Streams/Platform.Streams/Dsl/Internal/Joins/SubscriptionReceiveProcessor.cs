using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The foreign table's side of a foreign-key join, first step: records each subscription in the subscription
/// store (keyed by foreign key + left key, so a change of the foreign row finds its subscribers by prefix)
/// or removes it, then passes it on to be answered.
/// </summary>
internal sealed class SubscriptionReceiveProcessor<TForeignKey, TKey> : ContextualProcessor<TForeignKey, SubscriptionWrapper<TKey>, TForeignKey, SubscriptionWrapper<TKey>>
{
    private readonly string _storeName;
    private readonly CombinedKeySchema<TForeignKey, TKey> _keySchema;
    private ITimestampedKeyValueStore<Bytes, SubscriptionWrapper<TKey>> _store = null!;

    public SubscriptionReceiveProcessor(string storeName, CombinedKeySchema<TForeignKey, TKey> keySchema)
    {
        _storeName = storeName;
        _keySchema = keySchema;
    }


    public override void Init(IProcessorContext<TForeignKey, SubscriptionWrapper<TKey>> context)
    {
        base.Init(context);
        _store = context.GetStateStore<ITimestampedKeyValueStore<Bytes, SubscriptionWrapper<TKey>>>(_storeName);
    }

    public override void Process(Record<TForeignKey, SubscriptionWrapper<TKey>> record)
    {
        var subscription = record.Value;
        if (subscription is null)
        {
            DroppedRecords.Record(Context);
            return;
        }

        if (record.Key is null)
        {
            // Only a left join's row without foreign key travels without one: answered (with no value), never stored.
            if (subscription.Instruction == SubscriptionInstruction.PropagateNullIfNoForeignValueAvailable)
            {
                Context.Forward(record);
            }
            else
            {
                DroppedRecords.Record(Context);
            }

            return;
        }

        var key = _keySchema.ToBytes(record.Key, subscription.PrimaryKey);
        if (subscription.Instruction is SubscriptionInstruction.DeleteKeyAndPropagate or SubscriptionInstruction.DeleteKeyNoPropagate)
        {
            _store.Delete(key);
        }
        else
        {
            _store.Put(key, new ValueAndTimestamp<SubscriptionWrapper<TKey>>(subscription, record.Timestamp));
        }

        Context.Forward(record);
    }
}
