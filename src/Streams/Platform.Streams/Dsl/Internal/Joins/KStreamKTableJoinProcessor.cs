using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// A stream-table or stream-globaltable join: each stream record looks up the table's current row (by its
/// key, or by the key the selector computes for global tables) and is joined with it; table updates produce
/// no output. A left join emits stream records without a row too (with a default table value).
/// </summary>
internal sealed class KStreamKTableJoinProcessor<TKey, TValue, TTableKey, TTableValue, TOut> : ContextualProcessor<TKey, TValue, TKey, TOut>
{
    private readonly IKTableValueGetterSupplier<TTableKey, TTableValue> _tableSupplier;
    private readonly Func<TKey, TValue, TTableKey> _keySelector;
    private readonly Func<TKey, TValue, TTableValue?, TOut> _joiner;
    private readonly bool _leftJoin;
    private IKTableValueGetter<TTableKey, TTableValue> _table = null!;

    public KStreamKTableJoinProcessor(IKTableValueGetterSupplier<TTableKey, TTableValue> tableSupplier, Func<TKey, TValue, TTableKey> keySelector, Func<TKey, TValue, TTableValue?, TOut> joiner, bool leftJoin)
    {
        _tableSupplier = tableSupplier;
        _keySelector = keySelector;
        _joiner = joiner;
        _leftJoin = leftJoin;
    }


    public override void Init(IProcessorContext<TKey, TOut> context)
    {
        base.Init(context);
        _table = _tableSupplier.Get();
        _table.Init(name => context.GetStateStore<IStateStore>(name));
    }

    public override void Process(Record<TKey, TValue> record)
    {
        if (record.Value is null)
        {
            DroppedRecords.Record(Context);
            return;
        }

        // A left join still emits a record without key: it can match no row, but it is not lost.
        var tableKey = _leftJoin && record.Key is null ? default : _keySelector(record.Key, record.Value);
        if (tableKey is null && !(_leftJoin && record.Key is null))
        {
            DroppedRecords.Record(Context);
            return;
        }

        var row = tableKey is null ? null : _table.Get(tableKey);
        if (row is null && !_leftJoin)
        {
            return;
        }

        Context.Forward(new Record<TKey, TOut>(record.Key, _joiner(record.Key, record.Value, row is null ? default : row.Value), record.Timestamp, record.Headers));
    }
}
