using System.Globalization;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>Cogroup</c>: each grouped stream gets its own aggregate processor (after its repartition, if it needs one),
/// all sharing one store, and a pass-through merge node is the resulting table, named as Kafka names them
/// (<c>COGROUPKSTREAM-AGGREGATE-...</c>, <c>COGROUPKSTREAM-MERGE-...</c>, or the given name with
/// <c>-cogroup-agg-N</c> / <c>-cogroup-merge</c>).
/// </summary>
internal sealed partial class CogroupedKStream<TKey, TAggregate>(InternalStreamsBuilder builder) : ICogroupedKStream<TKey, TAggregate>
{
    private const string AggregateName = "COGROUPKSTREAM-AGGREGATE-";
    private readonly List<IPart> _parts = [];

    /// <summary>One grouped stream and its aggregator, with the value type hidden.</summary>
    private interface IPart
    {
        object Grouped { get; }

        ISerde<TKey>? KeySerde { get; }

        (string Node, IReadOnlySet<string> Sources) Parent(string storeName);

        IKTableValueSource<TKey, TAggregate> AddAggregator(string processorName, string parent, string storeName, Func<TAggregate> initializer);

        IKTableValueSource<Windowed<TKey>, TAggregate> AddWindowedAggregator(string processorName, string parent, string storeName, IWindowsKind kind, Func<TAggregate> initializer, Func<TKey, TAggregate, TAggregate, TAggregate>? merger);
    }

    public ICogroupedKStream<TKey, TAggregate> Cogroup<TValueIn>(IKGroupedStream<TKey, TValueIn> groupedStream, Func<TKey, TValueIn, TAggregate, TAggregate> aggregator)
    {
        ArgumentNullException.ThrowIfNull(groupedStream);
        ArgumentNullException.ThrowIfNull(aggregator);
        if (groupedStream is not KGroupedStream<TKey, TValueIn> grouped || !ReferenceEquals(grouped.Builder, builder))
        {
            throw new ArgumentException("The grouped stream comes from another StreamsBuilder.", nameof(groupedStream));
        }

        return Add(grouped, aggregator);
    }

    /// <summary>Adds a grouped stream and its aggregator.</summary>
    /// <exception cref="ArgumentException">The grouped stream is already part of the cogroup.</exception>
    public CogroupedKStream<TKey, TAggregate> Add<TValueIn>(KGroupedStream<TKey, TValueIn> grouped, Func<TKey, TValueIn, TAggregate, TAggregate> aggregator)
    {
        if (_parts.Exists(p => ReferenceEquals(p.Grouped, grouped)))
        {
            throw new ArgumentException("This grouped stream is already part of the cogroup.", nameof(grouped));
        }

        _parts.Add(new Part<TValueIn>(grouped, aggregator));
        return this;
    }

    public IKTable<TKey, TAggregate> Aggregate(Func<TAggregate> initializer, Materialized<TKey, TAggregate>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        var store = new MaterializedInternal<TKey, TAggregate>(materialized, builder, AggregateName);
        store.InheritSerdes(_parts.Select(p => p.KeySerde).FirstOrDefault(s => s is not null), null);

        // Repartitions first (all of them), then the aggregate processors, then the merge: Kafka's naming order.
        var parents = _parts.Select(p => p.Parent(store.StoreName)).ToList();
        builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(builder.Config));
        var aggregates = new List<IKTableValueSource<TKey, TAggregate>>();
        var processorNames = new List<string>();
        var sources = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _parts.Count; i++)
        {
            var name = builder.SuffixOrGenerate(named, "-cogroup-agg-" + i.ToString(CultureInfo.InvariantCulture), AggregateName);
            aggregates.Add(_parts[i].AddAggregator(name, parents[i].Node, store.StoreName, initializer));
            processorNames.Add(name);
            sources.UnionWith(parents[i].Sources);
        }

        var mergeName = builder.SuffixOrGenerate(named, "-cogroup-merge", "COGROUPKSTREAM-MERGE-");
        builder.AddProcessor<TKey, Change<TAggregate>, TKey, Change<TAggregate>>(mergeName, () => new PassThrough<TKey, Change<TAggregate>>(), processorNames);
        return new KTable<TKey, TAggregate>(builder, mergeName, store.KeySerde, store.ValueSerde, sources, store.QueryableName, new MergedSource(aggregates, store.StoreName));
    }

    private sealed class Part<TValueIn>(KGroupedStream<TKey, TValueIn> grouped, Func<TKey, TValueIn, TAggregate, TAggregate> aggregator) : IPart
    {
        public object Grouped => grouped;

        public ISerde<TKey>? KeySerde => grouped.KeySerde;

        public (string Node, IReadOnlySet<string> Sources) Parent(string storeName) => grouped.AggregationParent(storeName);

        public IKTableValueSource<TKey, TAggregate> AddAggregator(string processorName, string parent, string storeName, Func<TAggregate> initializer)
        {
            var aggregate = new KStreamAggregate<TKey, TValueIn, TAggregate>(storeName, initializer, aggregator);
            grouped.Builder.AddProcessor(processorName, aggregate.Get, [parent], storeName);
            return aggregate;
        }

        public IKTableValueSource<Windowed<TKey>, TAggregate> AddWindowedAggregator(string processorName, string parent, string storeName, IWindowsKind kind, Func<TAggregate> initializer, Func<TKey, TAggregate, TAggregate, TAggregate>? merger)
        {
            var (source, processor) = kind.Aggregator(storeName, WindowAggregation<TKey, TValueIn, TAggregate>.Aggregating(initializer, aggregator, merger));
            grouped.Builder.AddProcessor(processorName, processor, [parent], storeName);
            return source;
        }
    }

    // The merged table's rows are the shared store's; old values must be switched on in every aggregate.
    private sealed class MergedSource(IReadOnlyList<IKTableValueSource<TKey, TAggregate>> aggregates, string storeName) : IKTableValueSource<TKey, TAggregate>
    {
        public IKTableValueGetterSupplier<TKey, TAggregate> View() => new StoreValueGetterSupplier<TKey, TAggregate>(storeName);

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
