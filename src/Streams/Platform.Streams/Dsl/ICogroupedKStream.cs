namespace Platform.Streams.Dsl;

/// <summary>
/// Several grouped streams (same key type) folding into one aggregate per key, each with its own aggregator,
/// in one store: no intermediate tables and joins (Kafka Streams' <c>CogroupedKStream</c>).
/// </summary>
public partial interface ICogroupedKStream<TKey, TAggregate>
{
    /// <summary>Adds <paramref name="groupedStream"/>, folded in with <paramref name="aggregator"/>.</summary>
    /// <exception cref="ArgumentException">That stream was already added.</exception>
    ICogroupedKStream<TKey, TAggregate> Cogroup<TValueIn>(IKGroupedStream<TKey, TValueIn> groupedStream, Func<TKey, TValueIn, TAggregate, TAggregate> aggregator);

    /// <summary>Folds every added stream's records into the aggregate per key, starting from <paramref name="initializer"/>'s result.</summary>
    IKTable<TKey, TAggregate> Aggregate(Func<TAggregate> initializer, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
