using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The DSL's stream: a node of the graph (<see cref="Name"/>), the serdes known for its records (null: not
/// known here, the defaults apply), the sources feeding its sub-topology (for co-partitioning) and whether a
/// key-changing operator ran since the last repartition.
/// </summary>
internal sealed partial class KStream<TKey, TValue> : IKStream<TKey, TValue>
{
    public KStream(InternalStreamsBuilder builder, string name, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, IReadOnlySet<string> sourceNodes, bool repartitionRequired)
    {
        Builder = builder;
        Name = name;
        KeySerde = keySerde;
        ValueSerde = valueSerde;
        SourceNodes = sourceNodes;
        RepartitionRequired = repartitionRequired;
    }

    /// <summary>The graph this stream belongs to.</summary>
    public InternalStreamsBuilder Builder { get; }

    /// <summary>The node whose output this stream is.</summary>
    public string Name { get; }

    /// <summary>The key serde, when known.</summary>
    public ISerde<TKey>? KeySerde { get; }

    /// <summary>The value serde, when known.</summary>
    public ISerde<TValue>? ValueSerde { get; }

    /// <summary>The source nodes of this stream's sub-topology.</summary>
    public IReadOnlySet<string> SourceNodes { get; }

    /// <summary>Whether the key may have changed since the records were last partitioned by it.</summary>
    public bool RepartitionRequired { get; }

    public IKStream<TKey, TValue> Filter(Func<TKey, TValue, bool> predicate, Named? named = null) => DoFilter(predicate, false, named);

    public IKStream<TKey, TValue> FilterNot(Func<TKey, TValue, bool> predicate, Named? named = null) => DoFilter(predicate, true, named);

    public IKStream<TKeyOut, TValue> SelectKey<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        var name = Builder.NameOrGenerate(named, "KSTREAM-KEY-SELECT-");
        Builder.AddProcessor<TKey, TValue, TKeyOut, TValue>(name, () => new KStreamSelectKey<TKey, TValue, TKeyOut>(keySelector), [Name]);
        return new KStream<TKeyOut, TValue>(Builder, name, null, ValueSerde, SourceNodes, true);
    }

    public IKStream<TKeyOut, TValueOut> Map<TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var name = Builder.NameOrGenerate(named, "KSTREAM-MAP-");
        Builder.AddProcessor<TKey, TValue, TKeyOut, TValueOut>(name, () => new KStreamMap<TKey, TValue, TKeyOut, TValueOut>(mapper), [Name]);
        return new KStream<TKeyOut, TValueOut>(Builder, name, null, null, SourceNodes, true);
    }

    public IKStream<TKey, TValueOut> MapValues<TValueOut>(Func<TValue, TValueOut> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        return MapValues<TValueOut>((_, v) => mapper(v), named);
    }

    public IKStream<TKey, TValueOut> MapValues<TValueOut>(Func<TKey, TValue, TValueOut> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var name = Builder.NameOrGenerate(named, "KSTREAM-MAPVALUES-");
        Builder.AddProcessor<TKey, TValue, TKey, TValueOut>(name, () => new KStreamMapValues<TKey, TValue, TValueOut>(mapper), [Name]);
        return new KStream<TKey, TValueOut>(Builder, name, KeySerde, null, SourceNodes, RepartitionRequired);
    }

    public IKStream<TKeyOut, TValueOut> FlatMap<TKeyOut, TValueOut>(Func<TKey, TValue, IEnumerable<(TKeyOut Key, TValueOut Value)>> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var name = Builder.NameOrGenerate(named, "KSTREAM-FLATMAP-");
        Builder.AddProcessor<TKey, TValue, TKeyOut, TValueOut>(name, () => new KStreamFlatMap<TKey, TValue, TKeyOut, TValueOut>(mapper), [Name]);
        return new KStream<TKeyOut, TValueOut>(Builder, name, null, null, SourceNodes, true);
    }

    public IKStream<TKey, TValueOut> FlatMapValues<TValueOut>(Func<TValue, IEnumerable<TValueOut>> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        return FlatMapValues<TValueOut>((_, v) => mapper(v), named);
    }

    public IKStream<TKey, TValueOut> FlatMapValues<TValueOut>(Func<TKey, TValue, IEnumerable<TValueOut>> mapper, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        var name = Builder.NameOrGenerate(named, "KSTREAM-FLATMAPVALUES-");
        Builder.AddProcessor<TKey, TValue, TKey, TValueOut>(name, () => new KStreamFlatMapValues<TKey, TValue, TValueOut>(mapper), [Name]);
        return new KStream<TKey, TValueOut>(Builder, name, KeySerde, null, SourceNodes, RepartitionRequired);
    }

    public IKStream<TKey, TValue> Peek(Action<TKey, TValue> action, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var name = Builder.NameOrGenerate(named, "KSTREAM-PEEK-");
        Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new KStreamPeek<TKey, TValue>(action, true), [Name]);
        return With(name);
    }

    public void Foreach(Action<TKey, TValue> action, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        var name = Builder.NameOrGenerate(named, "KSTREAM-FOREACH-");
        Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new KStreamPeek<TKey, TValue>(action, false), [Name]);
    }

    public void Print(Printed<TKey, TValue> printed)
    {
        ArgumentNullException.ThrowIfNull(printed);
        var name = printed.ProcessorName ?? Builder.NewProcessorName("KSTREAM-PRINTER-");
        var label = printed.Label ?? name;
        Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new KStreamPrint<TKey, TValue>(printed.Writer, printed.Mapper, label), [Name]);
    }

    public IKStream<TKey, TValue> Merge(IKStream<TKey, TValue> stream, Named? named = null)
    {
        var other = Own(stream, nameof(stream));
        var name = Builder.NameOrGenerate(named, "KSTREAM-MERGE-");
        Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new PassThrough<TKey, TValue>(), [Name, other.Name]);
        var sources = new HashSet<string>(SourceNodes, StringComparer.Ordinal);
        sources.UnionWith(other.SourceNodes);

        // Kafka forgets the serdes on merge; keep them where both sides agree, which is the common case.
        return new KStream<TKey, TValue>(
            Builder,
            name,
            ReferenceEquals(KeySerde, other.KeySerde) ? KeySerde : null,
            ReferenceEquals(ValueSerde, other.ValueSerde) ? ValueSerde : null,
            sources,
            RepartitionRequired || other.RepartitionRequired);
    }

    public IBranchedKStream<TKey, TValue> Split(Named? named = null) => new BranchedKStream<TKey, TValue>(this, Builder.NameOrGenerate(named, "KSTREAM-BRANCH-"));

    public IKStream<TKey, TValue> Repartition(Repartitioned<TKey, TValue>? repartitioned = null)
    {
        repartitioned ??= new Repartitioned<TKey, TValue>();
        var name = repartitioned.Name ?? Builder.NewProcessorName("KSTREAM-REPARTITION-");
        var keySerde = repartitioned.KeySerde ?? KeySerde;
        var valueSerde = repartitioned.ValueSerde ?? ValueSerde;
        var source = Builder.Repartition(Name, name, keySerde, valueSerde, repartitioned.NumberOfPartitions, repartitioned.Partitioner);
        return new KStream<TKey, TValue>(Builder, source, keySerde, valueSerde, new HashSet<string>([source], StringComparer.Ordinal), false);
    }

    public void To(string topic, Produced<TKey, TValue>? produced = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        produced ??= new Produced<TKey, TValue>();
        var name = produced.ProcessorName ?? Builder.NewProcessorName("KSTREAM-SINK-");
        Builder.AddSink(name, topic, Name, produced.KeySerde ?? KeySerde, produced.ValueSerde ?? ValueSerde, produced.Partitioner);
    }

    public void To(ITopicNameExtractor<TKey, TValue> topicExtractor, Produced<TKey, TValue>? produced = null)
    {
        ArgumentNullException.ThrowIfNull(topicExtractor);
        produced ??= new Produced<TKey, TValue>();
        var name = produced.ProcessorName ?? Builder.NewProcessorName("KSTREAM-SINK-");
        Builder.AddSink(name, topicExtractor, Name, produced.KeySerde ?? KeySerde, produced.ValueSerde ?? ValueSerde, produced.Partitioner);
    }

    public IKStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> processorSupplier, params string[] stateStoreNames)
        => DoProcess(processorSupplier, null, stateStoreNames);

    public IKStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> processorSupplier, Named named, params string[] stateStoreNames)
        => DoProcess(processorSupplier, named ?? throw new ArgumentNullException(nameof(named)), stateStoreNames);

    public IKStream<TKey, TValueOut> ProcessValues<TValueOut>(Func<IFixedKeyProcessor<TKey, TValue, TValueOut>> processorSupplier, params string[] stateStoreNames)
        => DoProcessValues(processorSupplier, null, stateStoreNames);

    public IKStream<TKey, TValueOut> ProcessValues<TValueOut>(Func<IFixedKeyProcessor<TKey, TValue, TValueOut>> processorSupplier, Named named, params string[] stateStoreNames)
        => DoProcessValues(processorSupplier, named ?? throw new ArgumentNullException(nameof(named)), stateStoreNames);

    /// <summary>This stream with another node name (same serdes, sources, repartition flag).</summary>
    public KStream<TKey, TValue> With(string name) => new(Builder, name, KeySerde, ValueSerde, SourceNodes, RepartitionRequired);

    /// <summary>The <see cref="KStream{TKey,TValue}"/> behind <paramref name="stream"/>, checked to belong to this builder.</summary>
    public KStream<TKey, TValue> Own(IKStream<TKey, TValue> stream, string parameter)
    {
        ArgumentNullException.ThrowIfNull(stream, parameter);
        return stream is KStream<TKey, TValue> other && ReferenceEquals(other.Builder, Builder)
            ? other
            : throw new ArgumentException("The stream comes from another StreamsBuilder.", parameter);
    }

    private KStream<TKey, TValue> DoFilter(Func<TKey, TValue, bool> predicate, bool filterNot, Named? named)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var name = Builder.NameOrGenerate(named, "KSTREAM-FILTER-");
        Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new KStreamFilter<TKey, TValue>(predicate, filterNot), [Name]);
        return With(name);
    }

    private KStream<TKeyOut, TValueOut> DoProcess<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> supplier, Named? named, string[] stores)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        ArgumentNullException.ThrowIfNull(stores);
        var name = Builder.NameOrGenerate(named, "KSTREAM-PROCESSOR-");
        Builder.AddProcessor(name, supplier, [Name], stores);
        return new KStream<TKeyOut, TValueOut>(Builder, name, null, null, SourceNodes, true);
    }

    private KStream<TKey, TValueOut> DoProcessValues<TValueOut>(Func<IFixedKeyProcessor<TKey, TValue, TValueOut>> supplier, Named? named, string[] stores)
    {
        ArgumentNullException.ThrowIfNull(supplier);
        ArgumentNullException.ThrowIfNull(stores);
        var name = Builder.NameOrGenerate(named, "KSTREAM-PROCESSVALUES-");
        Builder.AddProcessor<TKey, TValue, TKey, TValueOut>(name, () => new FixedKeyProcessorAdapter<TKey, TValue, TValueOut>(supplier()), [Name], stores);
        return new KStream<TKey, TValueOut>(Builder, name, KeySerde, null, SourceNodes, RepartitionRequired);
    }
}
