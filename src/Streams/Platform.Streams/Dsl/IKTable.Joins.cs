namespace Platform.Streams.Dsl;

// Table-table joins: on the key, or on a foreign key taken from this table's values.
public partial interface IKTable<TKey, TValue>
{
    /// <summary>
    /// Joins this table with <paramref name="other"/> on the key: the result has a row where both have one, and
    /// changes whenever either side's row changes (the later of both timestamps). Both tables must be co-partitioned.
    /// </summary>
    IKTable<TKey, TResult> Join<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null);

    /// <summary>Joins on the key with a row wherever this table has one; the other value is default where it has none.</summary>
    IKTable<TKey, TResult> LeftJoin<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue, TOther?, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null);

    /// <summary>Joins on the key with a row wherever either table has one; the missing value is default.</summary>
    IKTable<TKey, TResult> OuterJoin<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue?, TOther?, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null);

    /// <summary>
    /// Joins each row with the row of <paramref name="other"/> whose key <paramref name="foreignKeyExtractor"/> takes
    /// from it (many rows may share one foreign row). The tables need not be co-partitioned: subscriptions travel
    /// to the foreign row's partition through <c>&lt;application.id&gt;-&lt;name&gt;-subscription-registration-topic</c>
    /// and results back through <c>-subscription-response-topic</c>; results computed from an outdated row are dropped.
    /// Deleted results are forwarded as null, so <typeparamref name="TResult"/> must be a class or a nullable value type.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="TResult"/> is a non-nullable value type.</exception>
    IKTable<TKey, TResult> Join<TForeignKey, TForeignValue, TResult>(
        IKTable<TForeignKey, TForeignValue> other,
        Func<TValue, TForeignKey> foreignKeyExtractor,
        Func<TValue, TForeignValue, TResult> joiner,
        TableJoined<TKey, TForeignKey>? tableJoined = null,
        Materialized<TKey, TResult>? materialized = null);

    /// <summary>
    /// Like the foreign-key <c>Join</c>, with a result for every row of this table: the foreign value is default
    /// when the foreign key has no row (or the extractor returns null).
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="TResult"/> is a non-nullable value type.</exception>
    IKTable<TKey, TResult> LeftJoin<TForeignKey, TForeignValue, TResult>(
        IKTable<TForeignKey, TForeignValue> other,
        Func<TValue, TForeignKey> foreignKeyExtractor,
        Func<TValue, TForeignValue?, TResult> joiner,
        TableJoined<TKey, TForeignKey>? tableJoined = null,
        Materialized<TKey, TResult>? materialized = null);
}
