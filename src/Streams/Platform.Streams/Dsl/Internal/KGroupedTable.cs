using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// A re-keyed table ready for aggregation. The aggregation always repartitions: the selected changes go through
/// <c>&lt;application.id&gt;-&lt;name&gt;-repartition</c> with old and new value in one record (Kafka's changed
/// serializer), named after the <c>Grouped</c> name or else the store.
/// </summary>
internal sealed partial class KGroupedTable<TKey, TValue>(
    InternalStreamsBuilder builder,
    string name,
    string? userRepartitionName,
    ISerde<TKey>? keySerde,
    ISerde<TValue>? valueSerde) : IKGroupedTable<TKey, TValue>
{
    /// <summary>The graph.</summary>
    public InternalStreamsBuilder Builder => builder;

    /// <summary>The select node.</summary>
    public string Name => name;

    public IKTable<TKey, long> Count(Materialized<TKey, long>? materialized = null, Named? named = null)
    {
        var store = new MaterializedInternal<TKey, long>(materialized, builder, "KTABLE-AGGREGATE-");
        store.InheritSerdes(keySerde, Serdes.Int64);
        var aggregate = new KTableAggregate<TKey, TValue, long>(store.StoreName, static () => 0L, static (_, _, count) => count + 1, static (_, _, count) => count - 1);
        return DoAggregate(named, "KTABLE-AGGREGATE-", store, aggregate, aggregate.Get);
    }

    public IKTable<TKey, TValue> Reduce(Func<TValue, TValue, TValue> adder, Func<TValue, TValue, TValue> subtractor, Materialized<TKey, TValue>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(adder);
        ArgumentNullException.ThrowIfNull(subtractor);
        var store = new MaterializedInternal<TKey, TValue>(materialized, builder, "KTABLE-REDUCE-");
        store.InheritSerdes(keySerde, valueSerde);
        var reduce = new KTableReduce<TKey, TValue>(store.StoreName, adder, subtractor);
        return DoAggregate(named, "KTABLE-REDUCE-", store, reduce, reduce.Get);
    }

    public IKTable<TKey, TAggregate> Aggregate<TAggregate>(
        Func<TAggregate> initializer,
        Func<TKey, TValue, TAggregate, TAggregate> adder,
        Func<TKey, TValue, TAggregate, TAggregate> subtractor,
        Materialized<TKey, TAggregate>? materialized = null,
        Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        ArgumentNullException.ThrowIfNull(adder);
        ArgumentNullException.ThrowIfNull(subtractor);
        var store = new MaterializedInternal<TKey, TAggregate>(materialized, builder, "KTABLE-AGGREGATE-");
        store.InheritSerdes(keySerde, null);
        var aggregate = new KTableAggregate<TKey, TValue, TAggregate>(store.StoreName, initializer, adder, subtractor);
        return DoAggregate(named, "KTABLE-AGGREGATE-", store, aggregate, aggregate.Get);
    }

    private KTable<TKey, TAggregate> DoAggregate<TAggregate>(
        Named? named,
        string prefix,
        MaterializedInternal<TKey, TAggregate> store,
        IKTableValueSource<TKey, TAggregate> valueSource,
        Func<IProcessor<TKey, Change<TValue>, TKey, Change<TAggregate>>> supplier)
    {
        var sinkName = builder.SuffixOrGenerate(named, "-sink", "KSTREAM-SINK-");
        var sourceName = builder.SuffixOrGenerate(named, "-source", "KSTREAM-SOURCE-");
        var functionName = builder.NameOrGenerate(named, prefix);
        var topic = (userRepartitionName ?? store.StoreName) + InternalStreamsBuilder.RepartitionTopicSuffix;
        var changeSerde = new ChangeSerde<TValue>(valueSerde, functionName, () => builder.Config.DefaultValueSerde);
        builder.AddRepartitionTopic(topic, null);
        builder.AddSink<TKey, Change<TValue>>(sinkName, topic, name, keySerde, changeSerde, null);
        builder.AddSource(sourceName, [topic], null, new Consumed<TKey, Change<TValue>> { KeySerde = keySerde, ValueSerde = changeSerde });
        builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(builder.Config));
        builder.AddProcessor(functionName, supplier, [sourceName], store.StoreName);
        return new KTable<TKey, TAggregate>(builder, functionName, store.KeySerde, store.ValueSerde, new HashSet<string>([sourceName], StringComparer.Ordinal), store.QueryableName, valueSource);
    }
}
