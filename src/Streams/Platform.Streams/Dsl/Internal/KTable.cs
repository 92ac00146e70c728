using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The DSL's table: a node sending <see cref="Change{TValue}"/> records, with the <see cref="ValueSource"/> that
/// lets downstream operators read its rows and ask for old values.
/// </summary>
internal sealed partial class KTable<TKey, TValue> : IKTable<TKey, TValue>
{
    public KTable(
        InternalStreamsBuilder builder,
        string name,
        ISerde<TKey>? keySerde,
        ISerde<TValue>? valueSerde,
        IReadOnlySet<string> sourceNodes,
        string? queryableStoreName,
        IKTableValueSource<TKey, TValue> valueSource)
    {
        Builder = builder;
        Name = name;
        KeySerde = keySerde;
        ValueSerde = valueSerde;
        SourceNodes = sourceNodes;
        QueryableStoreName = queryableStoreName;
        ValueSource = valueSource;
    }

    /// <summary>The graph this table belongs to.</summary>
    public InternalStreamsBuilder Builder { get; }

    /// <summary>The node whose output (changes) this table is.</summary>
    public string Name { get; }

    /// <summary>The key serde, when known.</summary>
    public ISerde<TKey>? KeySerde { get; }

    /// <summary>The value serde, when known.</summary>
    public ISerde<TValue>? ValueSerde { get; }

    /// <summary>The source nodes of this table's sub-topology.</summary>
    public IReadOnlySet<string> SourceNodes { get; }

    public string? QueryableStoreName { get; }

    /// <summary>The producing processor's view and old-value switch.</summary>
    public IKTableValueSource<TKey, TValue> ValueSource { get; }

    /// <summary>Reads of this table's rows for another processor (a source table becomes materialized).</summary>
    public IKTableValueGetterSupplier<TKey, TValue> ValueGetterSupplier() => ValueSource.View();

    /// <summary>Asks this table's updates to carry old values; see <see cref="IKTableValueSource{TKey,TValue}.EnableSendingOldValues"/>.</summary>
    public bool EnableSendingOldValues(bool forceMaterialization) => ValueSource.EnableSendingOldValues(forceMaterialization);

    public IKTable<TKey, TValue> Filter(Func<TKey, TValue, bool> predicate, Materialized<TKey, TValue>? materialized = null, Named? named = null)
        => DoFilter(predicate, false, materialized, named);

    public IKTable<TKey, TValue> FilterNot(Func<TKey, TValue, bool> predicate, Materialized<TKey, TValue>? materialized = null, Named? named = null)
        => DoFilter(predicate, true, materialized, named);

    public IKTable<TKey, TValueOut> MapValues<TValueOut>(Func<TValue, TValueOut> mapper, Materialized<TKey, TValueOut>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        return MapValues<TValueOut>((_, v) => mapper(v), materialized, named);
    }

    public IKTable<TKey, TValueOut> MapValues<TValueOut>(Func<TKey, TValue, TValueOut> mapper, Materialized<TKey, TValueOut>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);

        // As in Kafka, a given Materialized takes its store number before the processor takes its name.
        var store = materialized is null ? null : new MaterializedInternal<TKey, TValueOut>(materialized, Builder, "KTABLE-MAPVALUES-");
        var name = Builder.NameOrGenerate(named, "KTABLE-MAPVALUES-");
        store?.InheritSerdes(KeySerde, null);
        var map = new KTableMapValues<TKey, TValue, TValueOut>(ValueSource, mapper, store?.StoreName);
        AddTableProcessor(name, map.Get, store);
        return new KTable<TKey, TValueOut>(Builder, name, KeySerde, store?.ValueSerde, SourceNodes, store?.QueryableName, map);
    }

    public IKStream<TKey, TValue> ToStream(Named? named = null)
    {
        var name = Builder.NameOrGenerate(named, "KTABLE-TOSTREAM-");
        Builder.AddProcessor<TKey, Change<TValue>, TKey, TValue>(name, () => new KTableToStream<TKey, TValue>(), [Name]);
        return new KStream<TKey, TValue>(Builder, name, KeySerde, ValueSerde, SourceNodes, false);
    }

    public IKStream<TKeyOut, TValue> ToStream<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Named? named = null)
        => ToStream(named).SelectKey(keySelector);

    public IKGroupedTable<TKeyOut, TValueOut> GroupBy<TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> selector, Grouped<TKeyOut, TValueOut>? grouped = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        grouped ??= new Grouped<TKeyOut, TValueOut>();
        var name = grouped.Name ?? Builder.NewProcessorName("KTABLE-SELECT-");
        Builder.AddProcessor<TKey, Change<TValue>, TKeyOut, Change<TValueOut>>(name, () => new KTableRepartitionMap<TKey, TValue, TKeyOut, TValueOut>(selector), [Name]);

        // Subtracting a row from its old group needs the old row.
        ValueSource.EnableSendingOldValues(true);
        return new KGroupedTable<TKeyOut, TValueOut>(Builder, name, grouped.Name, grouped.KeySerde, grouped.ValueSerde);
    }

    private KTable<TKey, TValue> DoFilter(Func<TKey, TValue, bool> predicate, bool filterNot, Materialized<TKey, TValue>? materialized, Named? named)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var store = materialized is null ? null : new MaterializedInternal<TKey, TValue>(materialized, Builder, "KTABLE-FILTER-");
        var name = Builder.NameOrGenerate(named, "KTABLE-FILTER-");
        store?.InheritSerdes(KeySerde, ValueSerde);
        var filter = new KTableFilter<TKey, TValue>(ValueSource, predicate, filterNot, store?.StoreName);
        AddTableProcessor(name, filter.Get, store);
        return new KTable<TKey, TValue>(Builder, name, KeySerde, ValueSerde, SourceNodes, store?.QueryableName, filter);
    }

    private void AddTableProcessor<TValueOut>(string name, Func<Processors.IProcessor<TKey, Change<TValue>, TKey, Change<TValueOut>>> supplier, MaterializedInternal<TKey, TValueOut>? store)
    {
        if (store is null)
        {
            Builder.AddProcessor(name, supplier, [Name]);
            return;
        }

        Builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(Builder.Config));
        Builder.AddProcessor(name, supplier, [Name], store.StoreName);
    }
}
