using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KGroupedTable.Aggregate</c>/<c>Count</c>: for each change of a group, subtracts the old row (when it was
/// in the aggregate), then adds the new row (starting from the initializer when the group is empty), stores
/// the result with the largest timestamp involved, and forwards one update through the cache.
/// </summary>
internal sealed class KTableAggregate<TKey, TValue, TAggregate>(
    string storeName,
    Func<TAggregate> initializer,
    Func<TKey, TValue, TAggregate, TAggregate> adder,
    Func<TKey, TValue, TAggregate, TAggregate> subtractor) : IKTableValueSource<TKey, TAggregate>
{
    private readonly string _storeName = storeName;
    private readonly Func<TAggregate> _initializer = initializer;
    private readonly Func<TKey, TValue, TAggregate, TAggregate> _adder = adder;
    private readonly Func<TKey, TValue, TAggregate, TAggregate> _subtractor = subtractor;
    private bool _sendOldValues;

    public IProcessor<TKey, Change<TValue>, TKey, Change<TAggregate>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TAggregate> View() => new StoreValueGetterSupplier<TKey, TAggregate>(_storeName);

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KTableAggregate<TKey, TValue, TAggregate> aggregate) : ContextualProcessor<TKey, Change<TValue>, TKey, Change<TAggregate>>
    {
        private AggregateStore<TKey, TAggregate>? _store;
        private TimestampedTupleForwarder<TKey, TAggregate>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TAggregate>> context)
        {
            base.Init(context);
            _store = new AggregateStore<TKey, TAggregate>(context.GetStateStore<ITimestampedKeyValueStore<TKey, TAggregate>>(aggregate._storeName));
            _forwarder = new TimestampedTupleForwarder<TKey, TAggregate>(_store.Store, context, aggregate._sendOldValues);
        }

        public override void Process(Record<TKey, Change<TValue>> record)
        {
            if (record.Key is null)
            {
                throw new StreamsException($"A record key is null in the KTable aggregation of store '{aggregate._storeName}'.");
            }

            var found = _store!.TryGet(record.Key, out var serializedKey, out var old, out var oldTimestamp);
            var change = record.Value;
            var timestamp = record.Timestamp;
            var hasAggregate = found;
            var current = found ? old : default!;
            if (change.HasOld && hasAggregate)
            {
                current = aggregate._subtractor(record.Key, change.OldValue, current);
                hasAggregate = current is not null;
                timestamp = Math.Max(record.Timestamp, oldTimestamp);
            }

            if (change.HasNew)
            {
                current = aggregate._adder(record.Key, change.NewValue, hasAggregate ? current : aggregate._initializer());
                hasAggregate = current is not null;
                if (found)
                {
                    timestamp = Math.Max(record.Timestamp, oldTimestamp);
                }
            }

            if (hasAggregate)
            {
                _store.Put(record.Key, serializedKey, current, timestamp);
            }
            else
            {
                _store.Delete(record.Key, serializedKey);
            }

            var output = new Change<TAggregate>(current, hasAggregate, found ? old : default!, found);
            _forwarder!.MaybeForward(new Record<TKey, Change<TAggregate>>(record.Key, output, timestamp, record.Headers));
        }
    }
}
