using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Cogrouped streams with their windows chosen; <c>Aggregate</c> adds the shared store and one aggregate processor per stream.</summary>
internal sealed class WindowedCogroupedKStream<TKey, TAggregate>(CogroupedKStream<TKey, TAggregate> cogrouped, CogroupedKStream<TKey, TAggregate>.IWindowsKind kind)
    : ITimeWindowedCogroupedKStream<TKey, TAggregate>, ISessionWindowedCogroupedKStream<TKey, TAggregate>
{
    public IKTable<Windowed<TKey>, TAggregate> Aggregate(Func<TAggregate> initializer, Materialized<TKey, TAggregate>? materialized = null, Named? named = null)
        => cogrouped.WindowedAggregate(kind, initializer, null, materialized, named);

    public IKTable<Windowed<TKey>, TAggregate> Aggregate(Func<TAggregate> initializer, Func<TKey, TAggregate, TAggregate, TAggregate> merger, Materialized<TKey, TAggregate>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(merger);
        return cogrouped.WindowedAggregate(kind, initializer, merger, materialized, named);
    }
}
