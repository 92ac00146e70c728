using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>A grouped stream windowed by sliding windows: each aggregation adds a window store and a <see cref="KStreamSlidingWindowAggregate{TKey,TValue,TAggregate}"/>.</summary>
internal sealed class SlidingWindowedKStream<TKey, TValue>(KGroupedStream<TKey, TValue> grouped, SlidingWindows windows) : ITimeWindowedKStream<TKey, TValue>
{
    public IKTable<Windowed<TKey>, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null)
        => Aggregate("KSTREAM-AGGREGATE-", WindowAggregation<TKey, TValue, long>.Aggregating(static () => 0L, static (_, _, count) => count + 1), Serdes.Int64, materialized, named);

    public IKTable<Windowed<TKey>, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null)
        => Aggregate("KSTREAM-REDUCE-", WindowAggregation<TKey, TValue, TValue>.Reducing(reducer), grouped.ValueSerde, materialized, named);

    public IKTable<Windowed<TKey>, TAggregate> Aggregate<TAggregate>(Func<TAggregate> initializer, Func<TKey, TValue, TAggregate, TAggregate> aggregator, Materialized<TKey, TAggregate>? materialized = null, Named? named = null)
        => Aggregate("KSTREAM-AGGREGATE-", WindowAggregation<TKey, TValue, TAggregate>.Aggregating(initializer, aggregator), null, materialized, named);

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

        // A record updates windows back to t - 2d (the previous record's right window), so they must be kept that long.
        var retention = WindowedMaterialization.RetentionMs(store, (2 * windows.TimeDifferenceMs) + windows.GracePeriodMs, windows.ToString());
        var aggregate = new KStreamSlidingWindowAggregate<TKey, TValue, TAggregate>(windows, store.StoreName, aggregation);
        return grouped.DoWindowedAggregate(
            name,
            store,
            () => WindowedMaterialization.TimestampedWindowStore(store, builder.Config, retention, windows.TimeDifferenceMs),
            aggregate,
            aggregate.Get,
            store.KeySerde is null ? null : new TimeWindowedSerde<TKey>(store.KeySerde, windows.TimeDifferenceMs));
    }
}
