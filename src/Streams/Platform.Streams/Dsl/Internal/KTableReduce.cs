using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KGroupedTable.Reduce</c>: subtracts the old row with the subtractor (aggregate, old), then adds the new
/// row with the adder (aggregate, new) or starts the group with it; a null result deletes the group.
/// </summary>
internal sealed class KTableReduce<TKey, TValue>(
    string storeName,
    Func<TValue, TValue, TValue> adder,
    Func<TValue, TValue, TValue> subtractor) : IKTableValueSource<TKey, TValue>
{
    private readonly string _storeName = storeName;
    private readonly Func<TValue, TValue, TValue> _adder = adder;
    private readonly Func<TValue, TValue, TValue> _subtractor = subtractor;
    private bool _sendOldValues;

    public IProcessor<TKey, Change<TValue>, TKey, Change<TValue>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TValue> View() => new StoreValueGetterSupplier<TKey, TValue>(_storeName);

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KTableReduce<TKey, TValue> reduce) : ContextualProcessor<TKey, Change<TValue>, TKey, Change<TValue>>
    {
        private AggregateStore<TKey, TValue>? _store;
        private TimestampedTupleForwarder<TKey, TValue>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TValue>> context)
        {
            base.Init(context);
            _store = new AggregateStore<TKey, TValue>(context.GetStateStore<ITimestampedKeyValueStore<TKey, TValue>>(reduce._storeName));
            _forwarder = new TimestampedTupleForwarder<TKey, TValue>(_store.Store, context, reduce._sendOldValues);
        }

        public override void Process(Record<TKey, Change<TValue>> record)
        {
            if (record.Key is null)
            {
                throw new StreamsException($"A record key is null in the KTable reduce of store '{reduce._storeName}'.");
            }

            var found = _store!.TryGet(record.Key, out var serializedKey, out var old, out var oldTimestamp);
            var change = record.Value;
            var hasAggregate = found;
            var current = found ? old : default!;
            var timestamp = record.Timestamp;
            if (change.HasOld && hasAggregate)
            {
                current = reduce._subtractor(current, change.OldValue);
                hasAggregate = current is not null;
                timestamp = Math.Max(record.Timestamp, oldTimestamp);
            }

            if (change.HasNew)
            {
                if (hasAggregate)
                {
                    current = reduce._adder(current, change.NewValue);
                    timestamp = Math.Max(record.Timestamp, oldTimestamp);
                }
                else
                {
                    current = change.NewValue;
                }

                hasAggregate = current is not null;
            }

            if (hasAggregate)
            {
                _store.Put(record.Key, serializedKey, current, timestamp);
            }
            else
            {
                _store.Delete(record.Key, serializedKey);
            }

            var output = new Change<TValue>(current, hasAggregate, found ? old : default!, found);
            _forwarder!.MaybeForward(new Record<TKey, Change<TValue>>(record.Key, output, timestamp, record.Headers));
        }
    }
}
