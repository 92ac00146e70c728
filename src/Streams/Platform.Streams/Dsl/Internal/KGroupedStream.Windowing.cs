using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Windowed aggregations of a grouped stream.</summary>
internal sealed partial class KGroupedStream<TKey, TValue>
{
    public ITimeWindowedKStream<TKey, TValue> WindowedBy(TimeWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new TimeWindowedKStream<TKey, TValue>(this, windows);
    }

    public ITimeWindowedKStream<TKey, TValue> WindowedBy(SlidingWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new SlidingWindowedKStream<TKey, TValue>(this, windows);
    }

    public ISessionWindowedKStream<TKey, TValue> WindowedBy(SessionWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new SessionWindowedKStream<TKey, TValue>(this, windows);
    }

    /// <summary>
    /// Adds a windowed aggregation: its store (built from <paramref name="storeBuilder"/> at build time), its
    /// processor under this grouping (after repartitioning when the key changed), and returns its table.
    /// </summary>
    public IKTable<Windowed<TKey>, TAggregate> DoWindowedAggregate<TAggregate>(
        string name,
        MaterializedInternal<TKey, TAggregate> store,
        Func<IStoreBuilder> storeBuilder,
        IKTableValueSource<Windowed<TKey>, TAggregate> valueSource,
        Func<IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>> processor,
        ISerde<Windowed<TKey>>? windowedKeySerde)
    {
        var (parent, sources) = AggregationParent(store.StoreName);
        Builder.AddStateStore(store.StoreName, storeBuilder);
        Builder.AddProcessor(name, processor, [parent], store.StoreName);
        return new KTable<Windowed<TKey>, TAggregate>(Builder, name, windowedKeySerde, store.ValueSerde, sources, store.QueryableName, valueSource);
    }
}
