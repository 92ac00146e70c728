using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The foreign table's side of a foreign-key join, second step: answers a subscription with the foreign row's
/// current value, keyed by the left key, through the subscription-response topic back to the left row's
/// partition; as the instruction says, also without a value, or not at all.
/// </summary>
internal sealed class SubscriptionJoinProcessor<TForeignKey, TKey, TForeignValue> : ContextualProcessor<TForeignKey, SubscriptionWrapper<TKey>, TKey, SubscriptionResponseWrapper<TForeignValue>>
{
    private readonly IKTableValueGetterSupplier<TForeignKey, TForeignValue> _foreignSupplier;
    private IKTableValueGetter<TForeignKey, TForeignValue> _foreign = null!;

    public SubscriptionJoinProcessor(IKTableValueGetterSupplier<TForeignKey, TForeignValue> foreignSupplier) => _foreignSupplier = foreignSupplier;

    public override void Init(IProcessorContext<TKey, SubscriptionResponseWrapper<TForeignValue>> context)
    {
        base.Init(context);
        _foreign = _foreignSupplier.Get();
        _foreign.Init(name => context.GetStateStore<IStateStore>(name));
    }

    public override void Process(Record<TForeignKey, SubscriptionWrapper<TKey>> record)
    {
        var subscription = record.Value;
        var row = record.Key is null ? null : _foreign.Get(record.Key);
        var timestamp = row is null ? record.Timestamp : Math.Max(record.Timestamp, row.Timestamp);
        switch (subscription.Instruction)
        {
            case SubscriptionInstruction.DeleteKeyNoPropagate:
                return;
            case SubscriptionInstruction.DeleteKeyAndPropagate:
                Respond(subscription, false, default, timestamp, record);
                return;
            case SubscriptionInstruction.PropagateNullIfNoForeignValueAvailable:
                Respond(subscription, row is not null, row is null ? default : row.Value, timestamp, record);
                return;
            case SubscriptionInstruction.PropagateOnlyIfForeignValueAvailable:
                if (row is not null)
                {
                    Respond(subscription, true, row.Value, timestamp, record);
                }

                return;
            default:
                throw new InvalidDataException($"Unknown foreign-key join subscription instruction {(byte)subscription.Instruction}.");
        }
    }

    private void Respond(SubscriptionWrapper<TKey> subscription, bool hasValue, TForeignValue? value, long timestamp, Record<TForeignKey, SubscriptionWrapper<TKey>> record)
        => Context.Forward(new Record<TKey, SubscriptionResponseWrapper<TForeignValue>>(
            subscription.PrimaryKey, new SubscriptionResponseWrapper<TForeignValue>(subscription.Hash, hasValue, value), timestamp, record.Headers));
}
