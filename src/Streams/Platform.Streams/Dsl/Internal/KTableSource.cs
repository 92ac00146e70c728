using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// A table read from a topic (<c>StreamsBuilder.Table</c>, <c>KStream.ToTable</c>, <c>GlobalTable</c>): each record
/// upserts its key (a null value deletes). It keeps a store when the user named one or when a downstream
/// operator needs the rows (a join's getter, old values); otherwise it forwards the records as changes.
/// </summary>
internal sealed class KTableSource<TKey, TValue>(string storeName, string? queryableName) : IKTableValueSource<TKey, TValue>
{
    private bool _materialized = queryableName is not null;
    private bool _sendOldValues;

    /// <summary>The store's name (used only when materialized).</summary>
    public string StoreName => storeName;

    /// <summary>Whether the table keeps a store; read at build time.</summary>
    public bool Materialized => _materialized;

    /// <summary>Makes the table keep a store.</summary>
    public void Materialize() => _materialized = true;

    public IKTableValueGetterSupplier<TKey, TValue> View()
    {
        Materialize();
        return new StoreValueGetterSupplier<TKey, TValue>(storeName);
    }

    public bool EnableSendingOldValues(bool forceMaterialization)
    {
        if (!_materialized)
        {
            if (!forceMaterialization)
            {
                return false;
            }

            Materialize();
        }

        _sendOldValues = true;
        return true;
    }

    /// <summary>A processor for one task.</summary>
    public IProcessor<TKey, TValue, TKey, Change<TValue>> Get() => new Processor(this);

    private sealed class Processor(KTableSource<TKey, TValue> source) : ContextualProcessor<TKey, TValue, TKey, Change<TValue>>
    {
        private ITimestampedKeyValueStore<TKey, TValue>? _store;
        private TimestampedTupleForwarder<TKey, TValue>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TValue>> context)
        {
            base.Init(context);
            if (source._materialized)
            {
                _store = context.GetStateStore<ITimestampedKeyValueStore<TKey, TValue>>(source.StoreName);
                _forwarder = new TimestampedTupleForwarder<TKey, TValue>(_store, context, source._sendOldValues);
            }
        }

        public override void Process(Record<TKey, TValue> record)
        {
            // A table row needs a key: Kafka drops (and counts) such records.
            if (record.Key is null)
            {
                return;
            }

            if (_store is null)
            {
                Context.Forward(new Record<TKey, Change<TValue>>(record.Key, Change<TValue>.New(record.Value), record.Timestamp, record.Headers));
                return;
            }

            var old = _store.Get(record.Key);
            var hasNew = record.Value is not null;
            if (hasNew)
            {
                _store.Put(record.Key, new ValueAndTimestamp<TValue>(record.Value, record.Timestamp));
            }
            else
            {
                _store.Delete(record.Key);
            }

            var change = source._sendOldValues && old is not null
                ? new Change<TValue>(record.Value, hasNew, old.Value, true)
                : new Change<TValue>(record.Value, hasNew, default!, false);
            _forwarder!.MaybeForward(new Record<TKey, Change<TValue>>(record.Key, change, record.Timestamp, record.Headers));
        }
    }
}
