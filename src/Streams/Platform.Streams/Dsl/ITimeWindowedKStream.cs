using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>
/// A grouped stream windowed by time (tumbling, hopping or sliding windows): aggregations give a table keyed by
/// <see cref="Windowed{TKey}"/>, stored in a window store kept for the windows' size + grace (or
/// <see cref="Materialized{TKey,TValue}.Retention"/>). Records arriving after their window's end + grace (in
/// stream time) are dropped and counted in the <c>dropped-records</c> metric. Every update is sent on.
/// </summary>
public interface ITimeWindowedKStream<TKey, TValue>
{
    /// <summary>Counts the records per key and window.</summary>
    IKTable<Windowed<TKey>, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null);

    /// <summary>Combines the values per key and window with <paramref name="reducer"/> (aggregate, new value); the first value is the start.</summary>
    IKTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Folds the values per key and window into an aggregate that starts as <paramref name="initializer"/>'s result.</summary>
    IKTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
