using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KGroupedStream.Aggregate</c>/<c>Count</c> (and each stream of a <c>Cogroup</c>): folds each record into
/// its key's aggregate in the store, stamped with the largest timestamp that went into it, and forwards the
/// update through the cache. Records with a null key or value are skipped, as Kafka does.
/// </summary>
internal sealed class KStreamAggregate<TKey, TValue, TAggregate>(
    string storeName,
    Func<TAggregate> initializer,
    Func<TKey, TValue, TAggregate, TAggregate> aggregator) : IKTableValueSource<TKey, TAggregate>
{
    private readonly string _storeName = storeName;
    private readonly Func<TAggregate> _initializer = initializer;
    private readonly Func<TKey, TValue, TAggregate, TAggregate> _aggregator = aggregator;
    private bool _sendOldValues;

    public IProcessor<TKey, TValue, TKey, Change<TAggregate>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TAggregate> View() => new StoreValueGetterSupplier<TKey, TAggregate>(_storeName);

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KStreamAggregate<TKey, TValue, TAggregate> aggregate) : ContextualProcessor<TKey, TValue, TKey, Change<TAggregate>>
    {
        private AggregateStore<TKey, TAggregate>? _store;
        private TimestampedTupleForwarder<TKey, TAggregate>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TAggregate>> context)
        {
            base.Init(context);
            _store = new AggregateStore<TKey, TAggregate>(context.GetStateStore<ITimestampedKeyValueStore<TKey, TAggregate>>(aggregate._storeName));
            _forwarder = new TimestampedTupleForwarder<TKey, TAggregate>(_store.Store, context, aggregate._sendOldValues);
        }

        public override void Process(Record<TKey, TValue> record)
        {
            if (record.Key is null || record.Value is null)
            {
                return;
            }

            var found = _store!.TryGet(record.Key, out var serializedKey, out var old, out var oldTimestamp);
            var start = found ? old : aggregate._initializer();
            var timestamp = found ? Math.Max(record.Timestamp, oldTimestamp) : record.Timestamp;
            var result = aggregate._aggregator(record.Key, record.Value, start);
            if (result is null)
            {
                _store.Delete(record.Key, serializedKey);
            }
            else
            {
                _store.Put(record.Key, serializedKey, result, timestamp);
            }

            var change = found ? new Change<TAggregate>(result, result is not null, old, true) : Change<TAggregate>.New(result);
            _forwarder!.MaybeForward(new Record<TKey, Change<TAggregate>>(record.Key, change, timestamp, record.Headers));
        }
    }
}
