using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KTable.MapValues</c>: maps new and (when sent) old values; a null result deletes the row. With a store
/// (<c>Materialized</c> given) it keeps the mapped rows and forwards through the cache.
/// </summary>
internal sealed class KTableMapValues<TKey, TValue, TValueOut>(
    IKTableValueSource<TKey, TValue> parent,
    Func<TKey, TValue, TValueOut> mapper,
    string? storeName) : IKTableValueSource<TKey, TValueOut>
{
    private readonly string? _storeName = storeName;
    private readonly Func<TKey, TValue, TValueOut> _mapper = mapper;
    private readonly IKTableValueSource<TKey, TValue> _parent = parent;
    private bool _sendOldValues;

    public IProcessor<TKey, Change<TValue>, TKey, Change<TValueOut>> Get() => new Processor(this);

    public IKTableValueGetterSupplier<TKey, TValueOut> View()
        => _storeName is not null ? new StoreValueGetterSupplier<TKey, TValueOut>(_storeName) : new ComputedGetterSupplier(this, _parent.View());

    public bool EnableSendingOldValues(bool forceMaterialization)
    {
        if (_storeName is not null || _parent.EnableSendingOldValues(forceMaterialization))
        {
            _sendOldValues = true;
        }

        return _sendOldValues;
    }

    private (TValueOut Value, bool Present) Map(TKey key, TValue value, bool present)
    {
        if (!present)
        {
            return (default!, false);
        }

        var mapped = _mapper(key, value);
        return (mapped, mapped is not null);
    }

    private sealed class Processor(KTableMapValues<TKey, TValue, TValueOut> map) : ContextualProcessor<TKey, Change<TValue>, TKey, Change<TValueOut>>
    {
        private ITimestampedKeyValueStore<TKey, TValueOut>? _store;
        private TimestampedTupleForwarder<TKey, TValueOut>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TValueOut>> context)
        {
            base.Init(context);
            if (map._storeName is not null)
            {
                _store = context.GetStateStore<ITimestampedKeyValueStore<TKey, TValueOut>>(map._storeName);
                _forwarder = new TimestampedTupleForwarder<TKey, TValueOut>(_store, context, map._sendOldValues);
            }
        }

        public override void Process(Record<TKey, Change<TValue>> record)
        {
            var change = record.Value;
            var (newValue, hasNew) = map.Map(record.Key, change.NewValue, change.HasNew);
            (TValueOut Value, bool Present) old = (default!, false);
            if (map._sendOldValues)
            {
                if (_store is not null)
                {
                    var stored = _store.Get(record.Key);
                    old = stored is null ? (default!, false) : (stored.Value, true);
                }
                else
                {
                    old = map.Map(record.Key, change.OldValue, change.HasOld);
                }
            }

            var output = new Record<TKey, Change<TValueOut>>(record.Key, new Change<TValueOut>(newValue, hasNew, old.Value, old.Present), record.Timestamp, record.Headers);
            if (_store is null)
            {
                Context.Forward(output);
                return;
            }

            if (hasNew)
            {
                _store.Put(record.Key, new ValueAndTimestamp<TValueOut>(newValue, record.Timestamp));
            }
            else
            {
                _store.Delete(record.Key);
            }

            _forwarder!.MaybeForward(output);
        }
    }

    private sealed class ComputedGetterSupplier(KTableMapValues<TKey, TValue, TValueOut> map, IKTableValueGetterSupplier<TKey, TValue> parentGetter) : IKTableValueGetterSupplier<TKey, TValueOut>
    {
        public IReadOnlyList<string> StoreNames => parentGetter.StoreNames;

        public IKTableValueGetter<TKey, TValueOut> Get() => new Getter(map, parentGetter.Get());
    }

    private sealed class Getter(KTableMapValues<TKey, TValue, TValueOut> map, IKTableValueGetter<TKey, TValue> parentGetter) : IKTableValueGetter<TKey, TValueOut>
    {
        public void Init(Func<string, IStateStore> stores) => parentGetter.Init(stores);

        public ValueAndTimestamp<TValueOut>? Get(TKey key)
        {
            var row = parentGetter.Get(key);
            if (row is null)
            {
                return null;
            }

            var (value, present) = map.Map(key, row.Value, true);
            return present ? new ValueAndTimestamp<TValueOut>(value, row.Timestamp) : null;
        }
    }
}
