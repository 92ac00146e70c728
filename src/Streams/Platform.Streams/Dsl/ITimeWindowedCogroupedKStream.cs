using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>Cogrouped streams windowed by time (tumbling, hopping or sliding windows).</summary>
public interface ITimeWindowedCogroupedKStream<TKey, TAggregate>
{
    /// <summary>Folds every cogrouped stream's records into one aggregate per key and window, each window starting from <paramref name="initializer"/>'s result.</summary>
    IKTable<Windowed<TKey>, TAggregate> Aggregate(Func<TAggregate> initializer, Materialized<TKey, TAggregate>? materialized = null, Named? named = null);
}
