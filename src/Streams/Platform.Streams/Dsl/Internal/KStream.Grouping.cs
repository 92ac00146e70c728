namespace Platform.Streams.Dsl.Internal;

// Grouping and turning the stream into a table: the operators that may repartition first.
internal sealed partial class KStream<TKey, TValue>
{
    public IKGroupedStream<TKey, TValue> GroupByKey(Grouped<TKey, TValue>? grouped = null)
    {
        grouped ??= new Grouped<TKey, TValue>();
        return new KGroupedStream<TKey, TValue>(
            Builder, Name, SourceNodes, grouped.Name, grouped.KeySerde ?? KeySerde, grouped.ValueSerde ?? ValueSerde, RepartitionRequired);
    }

    public IKGroupedStream<TKeyOut, TValue> GroupBy<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Grouped<TKeyOut, TValue>? grouped = null)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        grouped ??= new Grouped<TKeyOut, TValue>();

        // Kafka names the key selector after the Grouped name when there is one.
        var name = grouped.Name ?? Builder.NewProcessorName("KSTREAM-KEY-SELECT-");
        Builder.AddProcessor<TKey, TValue, TKeyOut, TValue>(name, () => new KStreamSelectKey<TKey, TValue, TKeyOut>(keySelector), [Name]);
        return new KGroupedStream<TKeyOut, TValue>(Builder, name, SourceNodes, grouped.Name, grouped.KeySerde, grouped.ValueSerde ?? ValueSerde, true);
    }

    public IKTable<TKey, TValue> ToTable(Materialized<TKey, TValue>? materialized = null, Named? named = null)
    {
        var name = Builder.NameOrGenerate(named, "KSTREAM-TOTABLE-");
        var store = new MaterializedInternal<TKey, TValue>(materialized, Builder, "KSTREAM-TOTABLE-");
        store.InheritSerdes(KeySerde, ValueSerde);
        var (parent, sources) = RepartitionIfRequired(name, store.KeySerde, store.ValueSerde);
        var tableSource = new KTableSource<TKey, TValue>(store.StoreName, store.QueryableName);
        Builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(Builder.Config), () => tableSource.Materialized);
        Builder.AddNode(name, topology =>
        {
            topology.AddProcessor(name, tableSource.Get, parent);
            if (tableSource.Materialized)
            {
                topology.ConnectProcessorAndStateStores(name, store.StoreName);
            }
        });
        return new KTable<TKey, TValue>(Builder, name, store.KeySerde, store.ValueSerde, sources, store.QueryableName, tableSource);
    }

    /// <summary>
    /// The node a stateful operator hangs on: this stream's own, or (after a key change) the source reading
    /// back the repartition topic <c>&lt;prefix&gt;-repartition</c>. Also gives the sources of that sub-topology.
    /// </summary>
    public (string Node, IReadOnlySet<string> Sources) RepartitionIfRequired(string prefix, SerDes.ISerde<TKey>? keySerde, SerDes.ISerde<TValue>? valueSerde)
    {
        if (!RepartitionRequired)
        {
            return (Name, SourceNodes);
        }

        var source = Builder.Repartition(Name, prefix, keySerde ?? KeySerde, valueSerde ?? ValueSerde, null, null);
        return (source, new HashSet<string>([source], StringComparer.Ordinal));
    }
}
