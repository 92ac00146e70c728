using Platform.Client.Serialization;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The left table's side of a foreign-key join, last step: takes a response from the foreign side, drops it if
/// the left row changed since the subscription was sent (its hash differs: a newer response will come), and
/// otherwise emits the joined row (a delete when an inner join found no foreign value or the row is gone).
/// </summary>
internal sealed class ResponseJoinProcessor<TKey, TValue, TForeignValue, TOut> : ContextualProcessor<TKey, SubscriptionResponseWrapper<TForeignValue>, TKey, TOut>
{
    private readonly IKTableValueGetterSupplier<TKey, TValue> _leftSupplier;
    private readonly ISerde<TValue> _valueSerde;
    private readonly string _valueHashPseudoTopic;
    private readonly Func<TValue, TForeignValue?, TOut> _joiner;
    private readonly bool _leftJoin;
    private IKTableValueGetter<TKey, TValue> _left = null!;

    public ResponseJoinProcessor(IKTableValueGetterSupplier<TKey, TValue> leftSupplier, ISerde<TValue> valueSerde, string valueHashPseudoTopic, Func<TValue, TForeignValue?, TOut> joiner, bool leftJoin)
    {
        _leftSupplier = leftSupplier;
        _valueSerde = valueSerde;
        _valueHashPseudoTopic = valueHashPseudoTopic;
        _joiner = joiner;
        _leftJoin = leftJoin;
    }

    public override void Init(IProcessorContext<TKey, TOut> context)
    {
        base.Init(context);
        _left = _leftSupplier.Get();
        _left.Init(name => context.GetStateStore<IStateStore>(name));
    }

    public override void Process(Record<TKey, SubscriptionResponseWrapper<TForeignValue>> record)
    {
        var response = record.Value;
        var current = _left.Get(record.Key);
        var currentHash = current is null
            ? null
            : ValueHash.Of(_valueSerde.Serialize(current.Value, new SerializationContext(MessageComponentType.Value, _valueHashPseudoTopic, record.Headers)));
        if (currentHash != response.OriginalValueHash)
        {
            // Computed from an older left value: the response to the current value is on its way.
            DroppedRecords.Record(Context);
            return;
        }

        var result = current is null || (!response.HasForeignValue && !_leftJoin)
            ? default!
            : _joiner(current.Value, response.HasForeignValue ? response.ForeignValue : default);
        Context.Forward(new Record<TKey, TOut>(record.Key, result, record.Timestamp, record.Headers));
    }
}
