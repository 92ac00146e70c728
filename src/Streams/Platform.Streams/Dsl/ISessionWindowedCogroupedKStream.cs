using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>Cogrouped streams windowed by sessions.</summary>
public interface ISessionWindowedCogroupedKStream<TKey, TAggregate>
{
    /// <summary>
    /// Folds every cogrouped stream's records into one aggregate per key and session, each session starting from
    /// <paramref name="initializer"/>'s result; sessions a record bridges are combined with <paramref name="merger"/>.
    /// </summary>
    IKTable<Windowed<TKey>, TAggregate> Aggregate(Func<TAggregate> initializer, Func<TKey, TAggregate, TAggregate, TAggregate> merger, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
