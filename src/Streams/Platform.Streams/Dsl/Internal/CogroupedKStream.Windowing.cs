using System.Globalization;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

// Windowed cogrouping: one windowed aggregate processor per grouped stream, all over one window or session store.
internal sealed partial class CogroupedKStream<TKey, TAggregate>
{
    public ITimeWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(TimeWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new WindowedCogroupedKStream<TKey, TAggregate>(this, new TimeWindowsKind(windows));
    }

    public ITimeWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(SlidingWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new WindowedCogroupedKStream<TKey, TAggregate>(this, new SlidingWindowsKind(windows));
    }

    public ISessionWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(SessionWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new WindowedCogroupedKStream<TKey, TAggregate>(this, new SessionWindowsKind(windows));
    }

    /// <summary>Adds the windowed aggregation over every cogrouped stream, as <see cref="Aggregate"/> does for plain ones.</summary>
    public IKTable<Windowed<TKey>, TAggregate> WindowedAggregate(IWindowsKind kind, Func<TAggregate> initializer, Func<TKey, TAggregate, TAggregate, TAggregate>? merger, Materialized<TKey, TAggregate>? materialized, Named? named)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        var store = new MaterializedInternal<TKey, TAggregate>(materialized, builder, AggregateName);
        store.InheritSerdes(_parts.Select(p => p.KeySerde).FirstOrDefault(s => s is not null), null);
        var retention = WindowedMaterialization.RetentionMs(store, kind.MinimumRetentionMs, kind.Description);
        var parents = _parts.Select(p => p.Parent(store.StoreName)).ToList();
        builder.AddStateStore(store.StoreName, () => kind.Store(store, builder.Config, retention));
        var processorNames = new List<string>();
        var sources = new HashSet<string>(StringComparer.Ordinal);
        var aggregates = new List<IKTableValueSource<Windowed<TKey>, TAggregate>>();
        for (var i = 0; i < _parts.Count; i++)
        {
            var name = builder.SuffixOrGenerate(named, "-cogroup-agg-" + i.ToString(CultureInfo.InvariantCulture), AggregateName);
            aggregates.Add(_parts[i].AddWindowedAggregator(name, parents[i].Node, store.StoreName, kind, initializer, merger));
            processorNames.Add(name);
            sources.UnionWith(parents[i].Sources);
        }

        var mergeName = builder.SuffixOrGenerate(named, "-cogroup-merge", "COGROUPKSTREAM-MERGE-");
        builder.AddProcessor<Windowed<TKey>, Change<TAggregate>, Windowed<TKey>, Change<TAggregate>>(mergeName, () => new PassThrough<Windowed<TKey>, Change<TAggregate>>(), processorNames);
        return new KTable<Windowed<TKey>, TAggregate>(builder, mergeName, store.KeySerde is null ? null : kind.KeySerde(store.KeySerde), store.ValueSerde, sources, store.QueryableName, new MergedWindowedSource(aggregates, kind.View(store.StoreName), kind.GracePeriodMs));
    }

    /// <summary>What differs between window kinds: the store, the aggregate processor, the windowed key serde.</summary>
    internal interface IWindowsKind
    {
        long MinimumRetentionMs { get; }

        long GracePeriodMs { get; }

        string Description { get; }

        IStoreBuilder Store(MaterializedInternal<TKey, TAggregate> store, StreamsConfig config, long retentionMs);

        ISerde<Windowed<TKey>> KeySerde(ISerde<TKey> keySerde);

        IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View(string storeName);

        (IKTableValueSource<Windowed<TKey>, TAggregate> Source, Func<IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>> Processor) Aggregator<TValue>(string storeName, WindowAggregation<TKey, TValue, TAggregate> aggregation);
    }

    private sealed class TimeWindowsKind(TimeWindows windows) : IWindowsKind
    {
        public long MinimumRetentionMs => windows.SizeMs + windows.GracePeriodMs;

        public long GracePeriodMs => windows.GracePeriodMs;

        public string Description => windows.ToString();

        public IStoreBuilder Store(MaterializedInternal<TKey, TAggregate> store, StreamsConfig config, long retentionMs)
            => WindowedMaterialization.TimestampedWindowStore(store, config, retentionMs, windows.SizeMs);

        public ISerde<Windowed<TKey>> KeySerde(ISerde<TKey> keySerde) => new TimeWindowedSerde<TKey>(keySerde, windows.SizeMs);

        public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View(string storeName) => new WindowStoreValueGetterSupplier<TKey, TAggregate>(storeName);

        public (IKTableValueSource<Windowed<TKey>, TAggregate> Source, Func<IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>> Processor) Aggregator<TValue>(string storeName, WindowAggregation<TKey, TValue, TAggregate> aggregation)
        {
            var aggregate = new KStreamWindowAggregate<TKey, TValue, TAggregate>(windows, storeName, aggregation);
            return (aggregate, aggregate.Get);
        }
    }

    private sealed class SlidingWindowsKind(SlidingWindows windows) : IWindowsKind
    {
        public long MinimumRetentionMs => (2 * windows.TimeDifferenceMs) + windows.GracePeriodMs;

        public long GracePeriodMs => windows.GracePeriodMs;

        public string Description => windows.ToString();

        public IStoreBuilder Store(MaterializedInternal<TKey, TAggregate> store, StreamsConfig config, long retentionMs)
            => WindowedMaterialization.TimestampedWindowStore(store, config, retentionMs, windows.TimeDifferenceMs);

        public ISerde<Windowed<TKey>> KeySerde(ISerde<TKey> keySerde) => new TimeWindowedSerde<TKey>(keySerde, windows.TimeDifferenceMs);

        public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View(string storeName) => new WindowStoreValueGetterSupplier<TKey, TAggregate>(storeName);

        public (IKTableValueSource<Windowed<TKey>, TAggregate> Source, Func<IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>> Processor) Aggregator<TValue>(string storeName, WindowAggregation<TKey, TValue, TAggregate> aggregation)
        {
            var aggregate = new KStreamSlidingWindowAggregate<TKey, TValue, TAggregate>(windows, storeName, aggregation);
            return (aggregate, aggregate.Get);
        }
    }

    private sealed class SessionWindowsKind(SessionWindows windows) : IWindowsKind
    {
        public long MinimumRetentionMs => windows.InactivityGapMs + windows.GracePeriodMs;

        public long GracePeriodMs => windows.GracePeriodMs;

        public string Description => windows.ToString();

        public IStoreBuilder Store(MaterializedInternal<TKey, TAggregate> store, StreamsConfig config, long retentionMs)
            => WindowedMaterialization.SessionStore(store, config, retentionMs);

        public ISerde<Windowed<TKey>> KeySerde(ISerde<TKey> keySerde) => new SessionWindowedSerde<TKey>(keySerde);

        public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View(string storeName) => new SessionStoreValueGetterSupplier<TKey, TAggregate>(storeName);

        public (IKTableValueSource<Windowed<TKey>, TAggregate> Source, Func<IProcessor<TKey, TValue, Windowed<TKey>, Change<TAggregate>>> Processor) Aggregator<TValue>(string storeName, WindowAggregation<TKey, TValue, TAggregate> aggregation)
        {
            var aggregate = new KStreamSessionWindowAggregate<TKey, TValue, TAggregate>(windows, storeName, aggregation);
            return (aggregate, aggregate.Get);
        }
    }

    // The merged windowed table's rows are the shared store's; old values must be switched on in every aggregate.
    private sealed class MergedWindowedSource(
        IReadOnlyList<IKTableValueSource<Windowed<TKey>, TAggregate>> aggregates,
        IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> view,
        long gracePeriodMs) : IKTableValueSource<Windowed<TKey>, TAggregate>, IWindowedAggregateSource
    {
        public long GracePeriodMs => gracePeriodMs;

        public IKTableValueGetterSupplier<Windowed<TKey>, TAggregate> View() => view;

        public bool EnableSendingOldValues(bool forceMaterialization)
        {
            foreach (var aggregate in aggregates)
            {
                aggregate.EnableSendingOldValues(forceMaterialization);
            }

            return true;
        }
    }
}
