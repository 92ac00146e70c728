namespace Platform.Streams.Dsl;

/// <summary>
/// A changelog stream seen as a table (Kafka Streams' <c>KTable</c>): the latest value per key, where a null
/// value deletes. Updates flow downstream as changes; when the store behind the table caches (the default),
/// consecutive updates of a key within a commit interval are sent on as one.
/// </summary>
public partial interface IKTable<TKey, TValue>
{
    /// <summary>The name the table's store can be queried under, or null when it has none.</summary>
    string? QueryableStoreName { get; }

    /// <summary>Keeps the rows <paramref name="predicate"/> accepts; rows it rejects become deletes.</summary>
    IKTable<TKey, TValue> Filter(Func<TKey, TValue, bool> predicate, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Drops the rows <paramref name="predicate"/> accepts (they become deletes).</summary>
    IKTable<TKey, TValue> FilterNot(Func<TKey, TValue, bool> predicate, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Maps each row's value.</summary>
    IKTable<TKey, TValueOut> MapValues<TValueOut>(Func<TValue, TValueOut> mapper, Materialized<TKey, TValueOut>? materialized = null, Named? named = null);

    /// <summary>Maps each row's value, computed from key and value.</summary>
    IKTable<TKey, TValueOut> MapValues<TValueOut>(Func<TKey, TValue, TValueOut> mapper, Materialized<TKey, TValueOut>? materialized = null, Named? named = null);

    /// <summary>The table's updates as a stream (a delete becomes a record with a null value).</summary>
    IKStream<TKey, TValue> ToStream(Named? named = null);

    /// <summary>The table's updates as a stream with new keys (marked for repartitioning).</summary>
    IKStream<TKeyOut, TValue> ToStream<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Named? named = null);

    /// <summary>Re-keys every row for an aggregation: an update subtracts the old row from its group and adds the new one.</summary>
    IKGroupedTable<TKeyOut, TValueOut> GroupBy<TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> selector, Grouped<TKeyOut, TValueOut>? grouped = null);
}
