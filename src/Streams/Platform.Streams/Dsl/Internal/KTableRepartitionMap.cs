using Platform.Streams.Errors;
using Platform.Streams.Processors;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KTable.GroupBy</c>: maps each update's old and new row to their groups. When both land in the same group
/// one change carries both (the aggregation subtracts, then adds); otherwise the old row's removal goes first,
/// then the new row's addition. Rows whose selected key or value is null are skipped.
/// </summary>
internal sealed class KTableRepartitionMap<TKey, TValue, TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> selector)
    : ContextualProcessor<TKey, Change<TValue>, TKeyOut, Change<TValueOut>>
{
    public override void Process(Record<TKey, Change<TValue>> record)
    {
        if (record.Key is null)
        {
            throw new StreamsException("A table row's key is null in KTable.GroupBy; table rows always have keys.");
        }

        var change = record.Value;
        var (newKey, newValue, hasNew) = Select(record.Key, change.NewValue, change.HasNew);
        var (oldKey, oldValue, hasOld) = Select(record.Key, change.OldValue, change.HasOld);
        if (hasNew && hasOld && EqualityComparer<TKeyOut>.Default.Equals(newKey, oldKey))
        {
            Context.Forward(new Record<TKeyOut, Change<TValueOut>>(newKey, new Change<TValueOut>(newValue, true, oldValue, true), record.Timestamp, record.Headers));
            return;
        }

        if (hasOld)
        {
            Context.Forward(new Record<TKeyOut, Change<TValueOut>>(oldKey, Change<TValueOut>.Delete(oldValue, true), record.Timestamp, record.Headers));
        }

        if (hasNew)
        {
            Context.Forward(new Record<TKeyOut, Change<TValueOut>>(newKey, new Change<TValueOut>(newValue, true, default!, false), record.Timestamp, record.Headers));
        }
    }

    private (TKeyOut Key, TValueOut Value, bool Present) Select(TKey key, TValue value, bool present)
    {
        if (!present)
        {
            return (default!, default!, false);
        }

        var (selectedKey, selectedValue) = selector(key, value);
        return (selectedKey, selectedValue, selectedKey is not null && selectedValue is not null);
    }
}
