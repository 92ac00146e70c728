using Platform.Client.Serialization;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The left table's side of a foreign-key join: turns each change of a left row into subscriptions keyed by
/// foreign key (sent through the subscription-registration topic to the foreign table's partition): subscribe
/// to the new foreign key, unsubscribe from the old one when it changed, and carry the hash of the new left
/// value so responses computed from an older value can be recognised and dropped.
/// </summary>
internal sealed class SubscriptionSendProcessor<TKey, TValue, TForeignKey> : ContextualProcessor<TKey, Change<TValue>, TForeignKey, SubscriptionWrapper<TKey>>
{
    private readonly Func<TValue, TForeignKey> _foreignKeyExtractor;
    private readonly ISerde<TForeignKey> _foreignKeySerde;
    private readonly string _foreignKeyPseudoTopic;
    private readonly ISerde<TValue> _valueSerde;
    private readonly string _valueHashPseudoTopic;
    private readonly bool _leftJoin;

    public SubscriptionSendProcessor(
        Func<TValue, TForeignKey> foreignKeyExtractor,
        ISerde<TForeignKey> foreignKeySerde,
        string foreignKeyPseudoTopic,
        ISerde<TValue> valueSerde,
        string valueHashPseudoTopic,
        bool leftJoin)
    {
        _foreignKeyExtractor = foreignKeyExtractor;
        _foreignKeySerde = foreignKeySerde;
        _foreignKeyPseudoTopic = foreignKeyPseudoTopic;
        _valueSerde = valueSerde;
        _valueHashPseudoTopic = valueHashPseudoTopic;
        _leftJoin = leftJoin;
    }


    public override void Process(Record<TKey, Change<TValue>> record)
    {
        var change = record.Value;
        if (record.Key is null)
        {
            DroppedRecords.Record(Context);
            return;
        }

        var oldForeignKey = change.HasOld ? _foreignKeyExtractor(change.OldValue) : default;
        var newForeignKey = change.HasNew ? _foreignKeyExtractor(change.NewValue) : default;
        var hash = change.HasNew ? ValueHash.Of(_valueSerde.Serialize(change.NewValue, new SerializationContext(MessageComponentType.Value, _valueHashPseudoTopic, record.Headers))) : null;
        var hasOldForeignKey = change.HasOld && oldForeignKey is not null;
        var hasNewForeignKey = change.HasNew && newForeignKey is not null;
        var oldHadResult = change.HasOld && (hasOldForeignKey || _leftJoin);
        if (!change.HasNew)
        {
            if (hasOldForeignKey)
            {
                Send(record, oldForeignKey!, hash, SubscriptionInstruction.DeleteKeyAndPropagate);
            }
            else if (oldHadResult)
            {
                // A left-join row without foreign key had a result that must be deleted: it goes round without a key.
                Send(record, default!, hash, SubscriptionInstruction.PropagateNullIfNoForeignValueAvailable);
            }

            return;
        }

        if (hasOldForeignKey && !(hasNewForeignKey && SameForeignKey(oldForeignKey!, newForeignKey!)))
        {
            // Moved to another foreign key: the old one forgets the row; the new one answers (with null if it has no value).
            Send(record, oldForeignKey!, hash, !hasNewForeignKey && !_leftJoin ? SubscriptionInstruction.DeleteKeyAndPropagate : SubscriptionInstruction.DeleteKeyNoPropagate);
        }

        if (!hasNewForeignKey && !_leftJoin)
        {
            DroppedRecords.Record(Context);
            return;
        }

        // After an earlier result, an answer is needed even without a foreign value, so the stale result is replaced.
        Send(record, newForeignKey!, hash, oldHadResult || _leftJoin ? SubscriptionInstruction.PropagateNullIfNoForeignValueAvailable : SubscriptionInstruction.PropagateOnlyIfForeignValueAvailable);
    }

    private bool SameForeignKey(TForeignKey oldForeignKey, TForeignKey newForeignKey)
    {
        var context = new SerializationContext(MessageComponentType.Key, _foreignKeyPseudoTopic);
        return (_foreignKeySerde.Serialize(oldForeignKey, context) ?? []).AsSpan().SequenceEqual(_foreignKeySerde.Serialize(newForeignKey, context) ?? []);
    }

    private void Send(Record<TKey, Change<TValue>> record, TForeignKey foreignKey, ValueHash? hash, SubscriptionInstruction instruction)
        => Context.Forward(new Record<TForeignKey, SubscriptionWrapper<TKey>>(foreignKey, new SubscriptionWrapper<TKey>(hash, instruction, record.Key), record.Timestamp, record.Headers));
}
