namespace Platform.Streams.Dsl;

/// <summary>
/// A table re-keyed for an aggregation (<see cref="IKTable{TKey,TValue}.GroupBy{TKeyOut,TValueOut}"/>). Each
/// update of the source table first subtracts the row's old value from its old group, then adds the new value
/// to its new group; when both groups are the same the two steps make one update.
/// </summary>
public partial interface IKGroupedTable<TKey, TValue>
{
    /// <summary>Counts the rows per group.</summary>
    IKTable<TKey, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null);

    /// <summary>Combines the rows per group: <paramref name="adder"/> (aggregate, new value), <paramref name="subtractor"/> (aggregate, old value).</summary>
    IKTable<TKey, TValue> Reduce(Func<TValue, TValue, TValue> adder, Func<TValue, TValue, TValue> subtractor, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Folds the rows per group: <paramref name="adder"/> takes a new row in, <paramref name="subtractor"/> an old row out.</summary>
    IKTable<TKey, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> adder, Func<TKey, TValue, TAggregate, TAggregate> subtractor, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
