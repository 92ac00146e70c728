namespace Platform.Streams.Dsl;

/// <summary>
/// A stream grouped by key, ready for an aggregation. Records with a null key or value are skipped. The result
/// table's store holds one aggregate per key; with caching on (the default) it forwards updates when the
/// cache flushes (on commit), with caching off after every record.
/// </summary>
public partial interface IKGroupedStream<TKey, TValue>
{
    /// <summary>Counts the records per key.</summary>
    IKTable<TKey, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null);

    /// <summary>Combines the values per key with <paramref name="reducer"/> (aggregate, new value); the first value is the start.</summary>
    IKTable<TKey, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Folds the values per key into an aggregate that starts as <paramref name="initializer"/>'s result.</summary>
    IKTable<TKey, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);

    /// <summary>Starts a co-grouped aggregation: this stream and others added with <see cref="ICogroupedKStream{TKey,TAggregate}.Cogroup{TValueIn}"/> fold into one aggregate per key.</summary>
    ICogroupedKStream<TKey, TAggregate> Cogroup<TAggregate>(Func<TKey, TValue, TAggregate, TAggregate> aggregator);
}
