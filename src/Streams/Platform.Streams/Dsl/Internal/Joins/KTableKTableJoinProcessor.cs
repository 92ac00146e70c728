using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// One side of a table-table join: on each change of this table, reads the other table's row of the key and
/// forwards the change of the joined row (with the old joined row when old values are asked for). The result's
/// timestamp is the later of both rows'.
/// </summary>
internal sealed class KTableKTableJoinProcessor<TKey, TThis, TOther, TOut> : ContextualProcessor<TKey, Change<TThis>, TKey, Change<TOut>>
{
    private readonly IKTableValueGetterSupplier<TKey, TOther> _otherSupplier;
    private readonly Func<TThis?, TOther?, TOut> _joiner;
    private readonly TableJoinSide _side;
    private readonly Func<bool> _sendOldValues;
    private IKTableValueGetter<TKey, TOther> _other = null!;

    /// <param name="otherSupplier">Reads the other table.</param>
    /// <param name="joiner">The joiner with this side's value first; a missing value is default.</param>
    /// <param name="side">How a missing row is treated.</param>
    /// <param name="sendOldValues">Whether old joined rows are sent (decided when the topology is built).</param>
    public KTableKTableJoinProcessor(IKTableValueGetterSupplier<TKey, TOther> otherSupplier, Func<TThis?, TOther?, TOut> joiner, TableJoinSide side, Func<bool> sendOldValues)
    {
        _otherSupplier = otherSupplier;
        _joiner = joiner;
        _side = side;
        _sendOldValues = sendOldValues;
    }


    public override void Init(IProcessorContext<TKey, Change<TOut>> context)
    {
        base.Init(context);
        _other = _otherSupplier.Get();
        _other.Init(name => context.GetStateStore<IStateStore>(name));
    }

    public override void Process(Record<TKey, Change<TThis>> record)
    {
        if (record.Key is null)
        {
            DroppedRecords.Record(Context);
            return;
        }

        var change = record.Value;
        var other = _other.Get(record.Key);
        var hasOther = other is not null;
        var otherValue = hasOther ? other!.Value : default;
        var sendOld = _sendOldValues();
        bool hasNew;
        bool hasOld;
        switch (_side)
        {
            case TableJoinSide.Inner:
                if (!hasOther)
                {
                    return;
                }

                hasNew = change.HasNew;
                hasOld = sendOld && change.HasOld;
                break;
            case TableJoinSide.Left:
                if (!hasOther && !change.HasNew && !change.HasOld)
                {
                    return;
                }

                hasNew = change.HasNew;
                hasOld = sendOld && change.HasOld;
                break;
            case TableJoinSide.Right:
                // This is the right table of a left join: every row of the left table has a result, with or without this row.
                if (!hasOther)
                {
                    return;
                }

                hasNew = true;
                hasOld = sendOld;
                break;
            default:
                if (!hasOther && !change.HasNew && !change.HasOld)
                {
                    return;
                }

                hasNew = hasOther || change.HasNew;
                hasOld = sendOld && (hasOther || change.HasOld);
                break;
        }

        var newValue = hasNew ? _joiner(change.HasNew ? change.NewValue : default, otherValue) : default!;
        var oldValue = hasOld ? _joiner(change.HasOld ? change.OldValue : default, otherValue) : default!;
        var timestamp = hasOther ? Math.Max(record.Timestamp, other!.Timestamp) : record.Timestamp;
        Context.Forward(new Record<TKey, Change<TOut>>(record.Key, new Change<TOut>(newValue, hasNew, oldValue, hasOld), timestamp, record.Headers));
    }
}
