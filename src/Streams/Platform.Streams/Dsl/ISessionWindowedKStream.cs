using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>
/// A grouped stream windowed by sessions: aggregations give a table keyed by <see cref="Windowed{TKey}"/> whose
/// window is the session's first and last record time. When a record bridges sessions they merge: the old
/// sessions are deleted (tombstones downstream) and the merged one is sent. Records arriving after their
/// session's end + grace (in stream time) are dropped and counted in the <c>dropped-records</c> metric.
/// </summary>
public interface ISessionWindowedKStream<TKey, TValue>
{
    /// <summary>Counts the records per key and session.</summary>
    IKTable<Windowed<TKey>, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null);

    /// <summary>Combines the values per session with <paramref name="reducer"/>; merging sessions reduces their aggregates too.</summary>
    IKTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Folds the values per session into an aggregate; <paramref name="merger"/> (key, aggregate, aggregate) combines sessions that merge.</summary>
    IKTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Func<TKey, TAggregate, TAggregate, TAggregate> merger, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
