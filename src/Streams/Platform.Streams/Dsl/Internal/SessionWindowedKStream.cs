using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>A grouped stream windowed by sessions: each aggregation adds a session store and a <see cref="KStreamSessionWindowAggregate{TKey,TValue,TAggregate}"/>.</summary>
internal sealed class SessionWindowedKStream<TKey, TValue>(KGroupedStream<TKey, TValue> grouped, SessionWindows windows) : ISessionWindowedKStream<TKey, TValue>
{
    public IKTable<Windowed<TKey>, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null)
        => Aggregate("KSTREAM-AGGREGATE-", WindowAggregation<TKey, TValue, long>.Aggregating(static () => 0L, static (_, _, count) => count + 1, static (_, a, b) => a + b), Serdes.Int64, materialized, named);

    public IKTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null)
        => Aggregate("KSTREAM-REDUCE-", WindowAggregation<TKey, TValue, TValue>.Reducing(reducer), grouped.ValueSerde, materialized, named);

    public IKTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Func<TKey, TAggregate, TAggregate, TAggregate> merger, Materialized<TKey, TAggregate>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(merger);
        return Aggregate("KSTREAM-AGGREGATE-", WindowAggregation<TKey, TValue, TAggregate>.Aggregating(initializer, aggregator, merger), null, materialized, named);
    }

    private IKTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(
        string prefix,
        WindowAggregation<TKey, TValue, TAggregate> aggregation,
        ISerde<TAggregate>? valueSerde,
        Materialized<TKey, TAggregate>? materialized,
        Named? named)
    {
        var builder = grouped.Builder;
        var store = new MaterializedInternal<TKey, TAggregate>(materialized, builder, prefix);
        store.InheritSerdes(grouped.KeySerde, valueSerde);
        var name = builder.NameOrGenerate(named, prefix);
        var retention = WindowedMaterialization.RetentionMs(store, windows.InactivityGapMs + windows.GracePeriodMs, windows.ToString());
        var aggregate = new KStreamSessionWindowAggregate<TKey, TValue, TAggregate>(windows, store.StoreName, aggregation);
        return grouped.DoWindowedAggregate(
            name,
            store,
            () => WindowedMaterialization.SessionStore(store, builder.Config, retention),
            aggregate,
            aggregate.Get,
            store.KeySerde is null ? null : new SessionWindowedSerde<TKey>(store.KeySerde));
    }
}
