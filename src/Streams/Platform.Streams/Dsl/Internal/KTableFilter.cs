using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KTable.Filter</c>/<c>FilterNot</c>: rows the predicate rejects become deletes. With a store
/// (<c>Materialized</c> given) it keeps the filtered rows and forwards through the cache; without one its rows
/// are computed from the parent's.
/// </summary>
internal sealed class KTableFilter<TKey, TValue>(
    IKTableValueSource<TKey, TValue> parent,
    Func<TKey, TValue, bool> predicate,
    bool filterNot,
    string? storeName) : IKTableValueSource<TKey, TValue>
{
    private readonly string? _storeName = storeName;
    private readonly Func<TKey, TValue, bool> _predicate = predicate;
    private readonly bool _filterNot = filterNot;
    private readonly IKTableValueSource<TKey, TValue> _parent = parent;
    private bool _sendOldValues;

    public IProcessor<TKey, Change<TValue>, TKey, Change<TValue>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TValue> View()
        => _storeName is not null ? new StoreValueGetterSupplier<TKey, TValue>(_storeName) : new ComputedGetterSupplier(this, _parent.View());

    public bool EnableSendingOldValues(bool forceMaterialization)
    {
        if (_storeName is not null || _parent.EnableSendingOldValues(forceMaterialization))
        {
            _sendOldValues = true;
        }

        return _sendOldValues;
    }

    private bool Keeps(TKey key, TValue value, bool present) => present && _predicate(key, value) != _filterNot;

    private sealed class Processor(KTableFilter<TKey, TValue> filter) : ContextualProcessor<TKey, Change<TValue>, TKey, Change<TValue>>
    {
        private ITimestampedKeyValueStore<TKey, TValue>? _store;
        private TimestampedTupleForwarder<TKey, TValue>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TValue>> context)
        {
            base.Init(context);
            if (filter._storeName is not null)
            {
                _store = context.GetStateStore<ITimestampedKeyValueStore<TKey, TValue>>(filter._storeName);
                _forwarder = new TimestampedTupleForwarder<TKey, TValue>(_store, context, filter._sendOldValues);
            }
        }

        public override void Process(Record<TKey, Change<TValue>> record)
        {
            var change = record.Value;
            var keepNew = filter.Keeps(record.Key, change.NewValue, change.HasNew);
            var hasOld = false;
            TValue oldValue = default!;
            if (filter._sendOldValues)
            {
                if (_store is not null)
                {
                    var stored = _store.Get(record.Key);
                    hasOld = stored is not null;
                    oldValue = hasOld ? stored!.Value : default!;
                }
                else if (filter.Keeps(record.Key, change.OldValue, change.HasOld))
                {
                    hasOld = true;
                    oldValue = change.OldValue;
                }

                // Neither side passes: downstream has never seen this row, nothing to tell.
                if (!hasOld && !keepNew)
                {
                    return;
                }
            }

            var output = record with { Value = new Change<TValue>(change.NewValue, keepNew, oldValue, hasOld) };
            if (_store is null)
            {
                Context.Forward(output);
                return;
            }

            if (keepNew)
            {
                _store.Put(record.Key, new ValueAndTimestamp<TValue>(change.NewValue, record.Timestamp));
            }
            else
            {
                _store.Delete(record.Key);
            }

            _forwarder!.MaybeForward(output);
        }
    }

    private sealed class ComputedGetterSupplier(KTableFilter<TKey, TValue> filter, IKTableValueGetterSupplier<TKey, TValue> parentGetter) : IKTableValueGetterSupplier<TKey, TValue>
    {
        public IReadOnlyList<string> StoreNames => parentGetter.StoreNames;

        public IKTableValueGetter<TKey, TValue> Get() => new Getter(filter, parentGetter.Get());
    }

    private sealed class Getter(KTableFilter<TKey, TValue> filter, IKTableValueGetter<TKey, TValue> parentGetter) : IKTableValueGetter<TKey, TValue>
    {
        public void Init(Func<string, IStateStore> stores) => parentGetter.Init(stores);

        public ValueAndTimestamp<TValue>? Get(TKey key)
        {
            var row = parentGetter.Get(key);
            return row is not null && filter.Keeps(key, row.Value, true) ? row : null;
        }
    }
}
