using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KGroupedStream.Reduce</c>: the first value of a key is its aggregate, later ones are combined with the
/// reducer (aggregate, value); forwards each update through the cache. Null keys and values are skipped.
/// </summary>
internal sealed class KStreamReduce<TKey, TValue>(string storeName, Func<TValue, TValue, TValue> reducer) : IKTableValueSource<TKey, TValue>
{
    private readonly string _storeName = storeName;
    private readonly Func<TValue, TValue, TValue> _reducer = reducer;
    private bool _sendOldValues;

    public IProcessor<TKey, TValue, TKey, Change<TValue>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TValue> View() => new StoreValueGetterSupplier<TKey, TValue>(_storeName);

    public bool EnableSendingOldValues(bool forceMaterialization) => _sendOldValues = true;

    private sealed class Processor(KStreamReduce<TKey, TValue> reduce) : ContextualProcessor<TKey, TValue, TKey, Change<TValue>>
    {
        private AggregateStore<TKey, TValue>? _store;
        private TimestampedTupleForwarder<TKey, TValue>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TValue>> context)
        {
            base.Init(context);
            _store = new AggregateStore<TKey, TValue>(context.GetStateStore<ITimestampedKeyValueStore<TKey, TValue>>(reduce._storeName));
            _forwarder = new TimestampedTupleForwarder<TKey, TValue>(_store.Store, context, reduce._sendOldValues);
        }

        public override void Process(Record<TKey, TValue> record)
        {
            if (record.Key is null || record.Value is null)
            {
                return;
            }

            var old = _store!.Get(record.Key, out var serializedKey);
            var result = old is null ? record.Value : reduce._reducer(old.Value, record.Value);
            var timestamp = old is null ? record.Timestamp : Math.Max(record.Timestamp, old.Timestamp);
            if (result is null)
            {
                _store.Delete(record.Key, serializedKey);
            }
            else
            {
                _store.Put(record.Key, serializedKey, new ValueAndTimestamp<TValue>(result, timestamp));
            }

            var change = old is null ? Change<TValue>.New(result) : new Change<TValue>(result, result is not null, old.Value, true);
            _forwarder!.MaybeForward(new Record<TKey, Change<TValue>>(record.Key, change, timestamp, record.Headers));
        }
    }
}
