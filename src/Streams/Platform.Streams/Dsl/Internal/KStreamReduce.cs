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

            var found = _store!.TryGet(record.Key, out var serializedKey, out var old, out var oldTimestamp);
            var result = found ? reduce._reducer(old, record.Value) : record.Value;
            var timestamp = found ? Math.Max(record.Timestamp, oldTimestamp) : record.Timestamp;
            if (result is null)
            {
                _store.Delete(record.Key, serializedKey);
            }
            else
            {
                _store.Put(record.Key, serializedKey, result, timestamp);
            }

            var change = found ? new Change<TValue>(result, result is not null, old, true) : Change<TValue>.New(result);
            _forwarder!.MaybeForward(new Record<TKey, Change<TValue>>(record.Key, change, timestamp, record.Headers));
        }
    }
}
