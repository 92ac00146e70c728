using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The table a table-table join produces (Kafka's join merger): both sides' join processors feed its
/// processor, which keeps the joined rows when materialized (forwarding through the record cache) and passes
/// them on otherwise. Without a store its rows are computed on demand from both tables' rows.
/// </summary>
internal sealed class KTableKTableJoinResult<TKey, TLeft, TRight, TOut> : IKTableValueSource<TKey, TOut>
{
    private readonly IKTableValueSource<TKey, TLeft> _left;
    private readonly IKTableValueSource<TKey, TRight> _right;
    private readonly Func<TLeft?, TRight?, TOut> _joiner;
    private readonly TableJoinSide _kind;
    private readonly string? _storeName;
    private bool _sendOldValues;

    /// <param name="left">The left table's producer.</param>
    /// <param name="right">The right table's producer.</param>
    /// <param name="joiner">The user's joiner; a missing value is default.</param>
    /// <param name="kind">Inner, left or outer.</param>
    /// <param name="storeName">The result's store when materialized.</param>
    public KTableKTableJoinResult(IKTableValueSource<TKey, TLeft> left, IKTableValueSource<TKey, TRight> right, Func<TLeft?, TRight?, TOut> joiner, TableJoinSide kind, string? storeName)
    {
        _left = left;
        _right = right;
        _joiner = joiner;
        _kind = kind;
        _storeName = storeName;
    }

    /// <summary>Whether old joined rows are sent; read at build time.</summary>
    public bool SendOldValues => _sendOldValues;

    public IKTableValueGetterSupplier<TKey, TOut> View()
        => _storeName is not null ? new StoreValueGetterSupplier<TKey, TOut>(_storeName) : new ComputedGetterSupplier(this, _left.View(), _right.View());

    public bool EnableSendingOldValues(bool forceMaterialization)
    {
        // The join processors compute old joined rows from both tables' old rows.
        _left.EnableSendingOldValues(true);
        _right.EnableSendingOldValues(true);
        _sendOldValues = true;
        return true;
    }

    /// <summary>The merger processor for one task.</summary>
    public IProcessor<TKey, Change<TOut>, TKey, Change<TOut>> Get() => new Merger(this);

    private sealed class Merger(KTableKTableJoinResult<TKey, TLeft, TRight, TOut> result) : ContextualProcessor<TKey, Change<TOut>, TKey, Change<TOut>>
    {
        private ITimestampedKeyValueStore<TKey, TOut>? _store;
        private TimestampedTupleForwarder<TKey, TOut>? _forwarder;

        public override void Init(IProcessorContext<TKey, Change<TOut>> context)
        {
            base.Init(context);
            if (result._storeName is not null)
            {
                _store = context.GetStateStore<ITimestampedKeyValueStore<TKey, TOut>>(result._storeName);
                _forwarder = new TimestampedTupleForwarder<TKey, TOut>(_store, context, result._sendOldValues);
            }
        }

        public override void Process(Record<TKey, Change<TOut>> record)
        {
            var change = record.Value;
            if (_store is null)
            {
                Context.Forward(result._sendOldValues ? record : record with { Value = change.WithoutOld() });
                return;
            }

            var old = result._sendOldValues ? _store.Get(record.Key) : null;
            if (change.HasNew)
            {
                _store.Put(record.Key, new ValueAndTimestamp<TOut>(change.NewValue, record.Timestamp));
            }
            else
            {
                _store.Delete(record.Key);
            }

            var output = new Change<TOut>(change.NewValue, change.HasNew, old is null ? default! : old.Value, old is not null);
            _forwarder!.MaybeForward(record with { Value = output });
        }
    }

    private sealed class ComputedGetterSupplier(
        KTableKTableJoinResult<TKey, TLeft, TRight, TOut> result,
        IKTableValueGetterSupplier<TKey, TLeft> left,
        IKTableValueGetterSupplier<TKey, TRight> right) : IKTableValueGetterSupplier<TKey, TOut>
    {
        public IReadOnlyList<string> StoreNames { get; } = [.. left.StoreNames.Union(right.StoreNames, StringComparer.Ordinal)];

        public IKTableValueGetter<TKey, TOut> Get() => new Getter(result, left.Get(), right.Get());
    }

    private sealed class Getter(KTableKTableJoinResult<TKey, TLeft, TRight, TOut> result, IKTableValueGetter<TKey, TLeft> left, IKTableValueGetter<TKey, TRight> right)
        : IKTableValueGetter<TKey, TOut>
    {
        public void Init(Func<string, IStateStore> stores)
        {
            left.Init(stores);
            right.Init(stores);
        }

        public ValueAndTimestamp<TOut>? Get(TKey key)
        {
            var leftRow = left.Get(key);
            if (leftRow is null && result._kind != TableJoinSide.Outer)
            {
                return null;
            }

            var rightRow = right.Get(key);
            if ((rightRow is null && result._kind == TableJoinSide.Inner) || (leftRow is null && rightRow is null))
            {
                return null;
            }

            var timestamp = Math.Max(leftRow?.Timestamp ?? long.MinValue, rightRow?.Timestamp ?? long.MinValue);
            return new ValueAndTimestamp<TOut>(result._joiner(leftRow is null ? default : leftRow.Value, rightRow is null ? default : rightRow.Value), timestamp);
        }
    }
}
