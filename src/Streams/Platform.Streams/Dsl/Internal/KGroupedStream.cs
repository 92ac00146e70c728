using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// A stream grouped for aggregation: the node to hang the aggregation on, the <c>Grouped</c> name (for the
/// repartition topic), the serdes, and whether the aggregation must repartition first.
/// </summary>
internal sealed partial class KGroupedStream<TKey, TValue> : IKGroupedStream<TKey, TValue>
{
    public KGroupedStream(
        InternalStreamsBuilder builder,
        string name,
        IReadOnlySet<string> sourceNodes,
        string? userRepartitionName,
        ISerde<TKey>? keySerde,
        ISerde<TValue>? valueSerde,
        bool repartitionRequired)
    {
        Builder = builder;
        Name = name;
        SourceNodes = sourceNodes;
        UserRepartitionName = userRepartitionName;
        KeySerde = keySerde;
        ValueSerde = valueSerde;
        RepartitionRequired = repartitionRequired;
    }

    /// <summary>The graph.</summary>
    public InternalStreamsBuilder Builder { get; }

    /// <summary>The node the aggregation reads from (before any repartitioning).</summary>
    public string Name { get; }

    /// <summary>The sources of the grouped stream's sub-topology.</summary>
    public IReadOnlySet<string> SourceNodes { get; }

    /// <summary>The <c>Grouped</c> name, which names the repartition topic; null: the store's name does.</summary>
    public string? UserRepartitionName { get; }

    /// <summary>The key serde, when known.</summary>
    public ISerde<TKey>? KeySerde { get; }

    /// <summary>The value serde, when known.</summary>
    public ISerde<TValue>? ValueSerde { get; }

    /// <summary>Whether the aggregation repartitions first.</summary>
    public bool RepartitionRequired { get; }

    public IKTable<TKey, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null)
    {
        var store = new MaterializedInternal<TKey, long>(materialized, Builder, "KSTREAM-AGGREGATE-");
        store.InheritSerdes(KeySerde, Serdes.Int64);
        var name = Builder.NameOrGenerate(named, "KSTREAM-AGGREGATE-");
        if (!RepartitionRequired)
        {
            var aggregate = new KStreamAggregate<TKey, TValue, long>(store.StoreName, static () => 0L, static (_, _, count) => count + 1);
            return DoAggregate(name, store, aggregate, aggregate.Get);
        }

        // After a key change the count adds what each repartition record stands for: a partial count when a
        // combiner counted in front of the topic, else 1 (see InternalStreamsBuilder.RepartitionForCount).
        var source = Builder.RepartitionForCount(Name, UserRepartitionName ?? store.StoreName, KeySerde, ValueSerde, store.Options.CachingEnabled);
        var partials = new KStreamAggregate<TKey, long?, long>(store.StoreName, static () => 0L, static (_, partial, count) => count + partial!.Value);
        return DoAggregate(name, store, partials, partials.Get, source, new HashSet<string>([source], StringComparer.Ordinal));
    }

    public IKTable<TKey, TValue> Reduce(Func<TValue, TValue, TValue> reducer, Materialized<TKey, TValue>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        var store = new MaterializedInternal<TKey, TValue>(materialized, Builder, "KSTREAM-REDUCE-");
        store.InheritSerdes(KeySerde, ValueSerde);
        var name = Builder.NameOrGenerate(named, "KSTREAM-REDUCE-");
        var reduce = new KStreamReduce<TKey, TValue>(store.StoreName, reducer);
        return DoAggregate(name, store, reduce, reduce.Get);
    }

    public IKTable<TKey, TAggregate> Aggregate<TAggregate>(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> aggregator,
        Materialized<TKey, TAggregate>? materialized = null,
        Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        ArgumentNullException.ThrowIfNull(aggregator);
        var store = new MaterializedInternal<TKey, TAggregate>(materialized, Builder, "KSTREAM-AGGREGATE-");
        store.InheritSerdes(KeySerde, null);
        var name = Builder.NameOrGenerate(named, "KSTREAM-AGGREGATE-");
        var aggregate = new KStreamAggregate<TKey, TValue, TAggregate>(store.StoreName, initializer, aggregator);
        return DoAggregate(name, store, aggregate, aggregate.Get);
    }

    public ICogroupedKStream<TKey, TAggregate> Cogroup<TAggregate>(Func<TKey, TValue, TAggregate, TAggregate> aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        return new CogroupedKStream<TKey, TAggregate>(Builder).Add(this, aggregator);
    }

    /// <summary>
    /// The node an aggregation of this grouping reads: the grouped node, or after a key change the source of
    /// the repartition topic named after the <c>Grouped</c> name or else <paramref name="storeName"/>.
    /// </summary>
    public (string Node, IReadOnlySet<string> Sources) AggregationParent(string storeName)
    {
        if (!RepartitionRequired)
        {
            return (Name, SourceNodes);
        }

        var source = Builder.Repartition(Name, UserRepartitionName ?? storeName, KeySerde, ValueSerde, null, null);
        return (source, new HashSet<string>([source], StringComparer.Ordinal));
    }

    private KTable<TKey, TAggregate> DoAggregate<TAggregate>(
        string name,
        MaterializedInternal<TKey, TAggregate> store,
        IKTableValueSource<TKey, TAggregate> valueSource,
        Func<IProcessor<TKey, TValue, TKey, Change<TAggregate>>> supplier)
    {
        var (parent, sources) = AggregationParent(store.StoreName);
        return DoAggregate(name, store, valueSource, supplier, parent, sources);
    }

    private KTable<TKey, TAggregate> DoAggregate<TIn, TAggregate>(
        string name,
        MaterializedInternal<TKey, TAggregate> store,
        IKTableValueSource<TKey, TAggregate> valueSource,
        Func<IProcessor<TKey, TIn, TKey, Change<TAggregate>>> supplier,
        string parent,
        IReadOnlySet<string> sources)
    {
        Builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(Builder.Config));
        Builder.AddProcessor(name, supplier, [parent], store.StoreName);
        return new KTable<TKey, TAggregate>(Builder, name, store.KeySerde, store.ValueSerde, sources, store.QueryableName, valueSource);
    }
}
