using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The foreign table's side of a foreign-key join, on changes of a foreign row: finds every left row
/// subscribed to that foreign key (a prefix scan of the subscription store) and sends each the new foreign
/// value (none when the row was deleted) through the subscription-response topic.
/// </summary>
internal sealed class ForeignTableJoinProcessor<TForeignKey, TForeignValue, TKey> : ContextualProcessor<TForeignKey, Change<TForeignValue>, TKey, SubscriptionResponseWrapper<TForeignValue>>
{
    private readonly string _storeName;
    private readonly CombinedKeySchema<TForeignKey, TKey> _keySchema;
    private ITimestampedKeyValueStore<Bytes, SubscriptionWrapper<TKey>> _store = null!;

    public ForeignTableJoinProcessor(string storeName, CombinedKeySchema<TForeignKey, TKey> keySchema)
    {
        _storeName = storeName;
        _keySchema = keySchema;
    }


    public override void Init(IProcessorContext<TKey, SubscriptionResponseWrapper<TForeignValue>> context)
    {
        base.Init(context);
        _store = context.GetStateStore<ITimestampedKeyValueStore<Bytes, SubscriptionWrapper<TKey>>>(_storeName);
    }

    public override void Process(Record<TForeignKey, Change<TForeignValue>> record)
    {
        if (record.Key is null)
        {
            DroppedRecords.Record(Context);
            return;
        }

        var change = record.Value;
        var prefix = _keySchema.PrefixBytes(record.Key);

        // Materialized first: forwarding must not run while the store is being iterated.
        var subscribers = new List<KeyValuePair<Bytes, ValueAndTimestamp<SubscriptionWrapper<TKey>>>>();
        foreach (var entry in _store.Range(prefix, null))
        {
            if (!entry.Key.Value.AsSpan().StartsWith(prefix.Value))
            {
                break;
            }

            subscribers.Add(entry);
        }

        foreach (var (key, subscription) in subscribers)
        {
            var response = new SubscriptionResponseWrapper<TForeignValue>(subscription.Value.Hash, change.HasNew, change.HasNew ? change.NewValue : default);
            Context.Forward(new Record<TKey, SubscriptionResponseWrapper<TForeignValue>>(
                _keySchema.PrimaryKeyOf(key), response, Math.Max(record.Timestamp, subscription.Timestamp), record.Headers));
        }
    }
}
