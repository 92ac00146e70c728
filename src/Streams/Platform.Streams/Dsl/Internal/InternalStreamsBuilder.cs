using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The DSL's graph: what <see cref="StreamsBuilder"/> and every <c>KStream</c>/<c>KTable</c> call add to, and
/// what becomes a <see cref="Topology"/> at <see cref="StreamsBuilder.Build"/>.
/// <para><b>Adding an operator (for the helpers writing windows, joins, suppress in partial files).</b></para>
/// <list type="number">
/// <item><b>Name it</b> as Kafka does: <c>var name = NameOrGenerate(named, "KSTREAM-JOIN-")</c> gives the user's
/// <see cref="Named"/> or <c>KSTREAM-JOIN-0000000007</c> from the builder's one counter. Stores get
/// <see cref="NewStoreName"/> (<c>KSTREAM-JOIN-STATE-STORE-0000000008</c>) unless the user named them; derive
/// names of further nodes from a given name with a suffix (<c>name + "-this-join"</c>), else generate them.
/// Take names in the same order as Kafka so generated names match its <c>Describe()</c>.</item>
/// <item><b>Add the processor</b> with <see cref="AddProcessor{TKeyIn,TValueIn,TKeyOut,TValueOut}"/>: a supplier
/// making one processor per task (a tiny class under <c>Dsl/Internal</c>), the parent node names, and the names
/// of the stores it uses. Add a store with <see cref="AddStateStore"/> (an <see cref="IStoreBuilder"/>; for DSL
/// tables use <see cref="MaterializedInternal{TKey,TValue}"/>, which applies the user's <c>Materialized</c> and
/// <c>default.dsl.store</c>). Return a new <c>KStream</c>/<c>KTable</c> whose name is the processor's.</item>
/// <item><b>Repartitioning</b>: a key-changing operator returns a stream with <c>RepartitionRequired</c> set.
/// A stateful operator on such a stream calls <see cref="Repartition{TKey,TValue}"/> (or
/// <c>KStream.RepartitionIfRequired</c>) first: it writes through <c>&lt;application.id&gt;-&lt;prefix&gt;-repartition</c>
/// (sink, null-key filter, source, named as Kafka names them) and returns the source to hang the operator on.
/// Joins name the prefix after the join (<c>name + "-left"</c>), aggregations after the store or <c>Grouped</c>.</item>
/// <item><b>Tables</b> send <see cref="Change{TValue}"/> values downstream (explicit presence, so <c>long</c>
/// values work). <c>KTable.ValueSource</c> is the producing processor's <see cref="IKTableValueSource{TKey,TValue}"/>:
/// <c>View()</c> gives a value getter supplier (a join's processor calls <c>Init(storeLookup)</c> then
/// <c>TryGet(key)</c> to read the table's current row; connect its <c>StoreNames</c> to your processor with
/// <see cref="ConnectProcessorAndStateStores"/>), and <c>EnableSendingOldValues(force)</c> makes updates carry
/// old values (a source table materializes for that). Call <c>KTable.Materialize()</c> before <c>View()</c>
/// where a store must exist. Aggregations and materialized tables forward through the record cache with
/// <see cref="TimestampedTupleForwarder{TKey,TValue}"/>: on commit when caching is on, at once when off.</item>
/// </list>
/// </summary>
internal sealed partial class InternalStreamsBuilder
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<Runtime.IStreamsAttachment> _attachments = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _index;

    /// <summary>The configuration given to <see cref="StreamsBuilder.Build"/>: read it only inside node writers.</summary>
    public StreamsConfig Config { get; private set; } = new();

    /// <summary>A generated processor name: <paramref name="prefix"/> and the counter, 10 digits (<c>KSTREAM-MAP-0000000001</c>).</summary>
    public string NewProcessorName(string prefix) => prefix + (_index++).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A generated store name: <paramref name="prefix"/>, <c>STATE-STORE-</c> and the counter.</summary>
    public string NewStoreName(string prefix) => prefix + "STATE-STORE-" + (_index++).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The user's name or a generated one.</summary>
    /// <summary>Adds an in-process adapter that runs with the instance (see <see cref="Runtime.IStreamsAttachment"/>).</summary>
    public void AddAttachment(Runtime.IStreamsAttachment attachment) => _attachments.Add(attachment);

    public string NameOrGenerate(Named? named, string prefix) => named?.Name ?? NewProcessorName(prefix);

    /// <summary>The user's name with <paramref name="suffix"/>, or a generated one.</summary>
    public string SuffixOrGenerate(Named? named, string suffix, string prefix) => named is null ? NewProcessorName(prefix) : named.Name + suffix;

    /// <summary>Adds a node that writes itself into the topology at build time.</summary>
    /// <exception cref="TopologyException">A node with that name exists.</exception>
    public void AddNode(string name, Action<Topology> write) => AddNode(name, "operator", write);

    private void AddNode(string name, string kind, Action<Topology> write)
    {
        // Processors, stores and internal topics are separate namespaces, as in Kafka.
        if (!_names.Add(kind + ":" + name))
        {
            throw new TopologyException($"the {kind} name '{name}' is used twice; give the operators different names.");
        }

        _nodes.Add(new GraphNode(name, write));
    }

    /// <summary>Adds a source of <paramref name="topics"/> or of the topics matching <paramref name="pattern"/>.</summary>
    public void AddSource<TKey, TValue>(string name, IReadOnlyList<string>? topics, Regex? pattern, Consumed<TKey, TValue> consumed)
    {
        AddNode(name, topology =>
        {
            if (pattern is not null)
            {
                topology.AddSource<TKey, TValue>(name, pattern, consumed.KeySerde, consumed.ValueSerde, consumed.TimestampExtractor, consumed.OffsetReset);
            }
            else
            {
                topology.AddSource<TKey, TValue>(name, topics!, consumed.KeySerde, consumed.ValueSerde, consumed.TimestampExtractor, consumed.OffsetReset);
            }
        });
    }

    /// <summary>Adds a processor under <paramref name="parents"/>, connected to <paramref name="storeNames"/>.</summary>
    public void AddProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>(
        string name,
        Func<IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>> supplier,
        IReadOnlyList<string> parents,
        params string[] storeNames)
    {
        var parentNames = parents.ToArray();
        AddNode(name, topology =>
        {
            topology.AddProcessor(name, supplier, parentNames);
            if (storeNames.Length > 0)
            {
                topology.ConnectProcessorAndStateStores(name, storeNames);
            }
        });
    }

    /// <summary>Adds a sink writing to <paramref name="topic"/>.</summary>
    public void AddSink<TKey, TValue>(string name, string topic, string parent, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, IStreamPartitioner<TKey, TValue>? partitioner)
        => AddNode(name, topology => topology.AddSink<TKey, TValue>(name, topic, keySerde, valueSerde, partitioner, parent));

    /// <summary>Adds a sink writing to the topic <paramref name="extractor"/> picks per record.</summary>
    public void AddSink<TKey, TValue>(string name, ITopicNameExtractor<TKey, TValue> extractor, string parent, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, IStreamPartitioner<TKey, TValue>? partitioner)
        => AddNode(name, topology => topology.AddSink<TKey, TValue>(name, extractor, keySerde, valueSerde, partitioner, parent));

    /// <summary>
    /// Adds a store made by <paramref name="storeBuilder"/> at build time (so it sees the final configuration),
    /// only if <paramref name="when"/> (checked at build time) is null or true.
    /// </summary>
    public void AddStateStore(string storeName, Func<IStoreBuilder> storeBuilder, Func<bool>? when = null)
        => AddNode(storeName, "store", topology =>
        {
            if (when is null || when())
            {
                topology.AddStateStore(storeBuilder());
            }
        });

    /// <summary>Connects stores to a processor added earlier (for processors that read other operators' stores, like joins).</summary>
    public void ConnectProcessorAndStateStores(string processorName, IReadOnlyList<string> storeNames)
    {
        var stores = storeNames.ToArray();
        _nodes.Add(new GraphNode(processorName, topology => topology.ConnectProcessorAndStateStores(processorName, stores)));
    }

    /// <summary>
    /// Writes the records of <paramref name="parent"/> through the repartition topic <c>&lt;prefix&gt;-repartition</c>
    /// (without records whose key is null) and returns the name of the source reading it back. Nodes are named
    /// <c>&lt;topic&gt;-sink</c>, <c>-filter</c>, <c>-source</c> after a given prefix, generated after a generated one,
    /// as Kafka names them.
    /// </summary>
    public string Repartition<TKey, TValue>(string parent, string prefix, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, int? partitions, IStreamPartitioner<TKey, TValue>? partitioner)
    {
        var (topic, sinkName, filterName, sourceName) = RepartitionNames(prefix);
        AddRepartitionTopic(topic, partitions);
        AddProcessor<TKey, TValue, TKey, TValue>(filterName, () => new KStreamFilter<TKey, TValue>((key, _) => key is not null, false), [parent]);
        AddSink(sinkName, topic, filterName, keySerde, valueSerde, partitioner);
        AddSource(sourceName, [topic], null, new Consumed<TKey, TValue> { KeySerde = keySerde, ValueSerde = valueSerde });
        return sourceName;
    }

    /// <summary>
    /// <see cref="Repartition{TKey,TValue}"/> in front of a <c>Count</c>: the source reading the topic back gives
    /// how many records each one stands for (<see cref="PartialCountSerde"/>). With the optimization
    /// <see cref="StreamsConfig.CombineBeforeRepartition"/> (decided at build time, as Kafka's optimizations are) a
    /// <see cref="KStreamCountCombiner{TKey,TValue}"/> named <c>&lt;topic&gt;-combiner</c> in place of the null-key
    /// filter, before the sink, sends partial counts; without it the records go through the filter as they are. Only a count whose store is cached
    /// (<paramref name="storeCached"/>) is combined for: it forwards one update per key and commit anyway, while a
    /// store without caching was asked to show every update.
    /// </summary>
    public string RepartitionForCount<TKey, TValue>(string parent, string prefix, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, bool storeCached)
    {
        var (topic, sinkName, filterName, sourceName) = RepartitionNames(prefix);
        var combinerName = topic + "-combiner";
        AddRepartitionTopic(topic, null);
        bool Combines() => storeCached && Config.Optimizes(StreamsConfig.CombineBeforeRepartition);

        // The combiner drops records with a null key itself: with it, the filter is not written (a node less that
        // every record passes through).
        AddNode(filterName, topology =>
        {
            if (!Combines())
            {
                topology.AddProcessor<TKey, TValue, TKey, TValue>(filterName, () => new KStreamFilter<TKey, TValue>((key, _) => key is not null, false), parent);
            }
        });
        AddNode(combinerName, topology =>
        {
            if (!Combines())
            {
                topology.AddSink<TKey, TValue>(sinkName, topic, keySerde, valueSerde, null, filterName);
                return;
            }

            topology.AddProcessor<TKey, TValue, TKey, long?>(combinerName, () => new KStreamCountCombiner<TKey, TValue>(combinerName, topic, keySerde), parent);
            topology.AddSink<TKey, long?>(sinkName, topic, keySerde, PartialCountSerde.Instance, null, combinerName);
        });
        AddSource(sourceName, [topic], null, new Consumed<TKey, long?> { KeySerde = keySerde, ValueSerde = PartialCountSerde.Instance });
        return sourceName;
    }

    private (string Topic, string Sink, string Filter, string Source) RepartitionNames(string prefix)
    {
        var topic = prefix.EndsWith(RepartitionTopicSuffix, StringComparison.Ordinal) ? prefix : prefix + RepartitionTopicSuffix;

        // Kafka takes the three generated names even when it uses derived ones, so later generated names match.
        var sinkName = NewProcessorName("KSTREAM-SINK-");
        var filterName = NewProcessorName("KSTREAM-FILTER-");
        var sourceName = NewProcessorName("KSTREAM-SOURCE-");
        return GeneratedName().IsMatch(prefix)
            ? (topic, sinkName, filterName, sourceName)
            : (topic, topic + "-sink", topic + "-filter", topic + "-source");
    }

    /// <summary>Declares the repartition topic <paramref name="topic"/> (undecorated), with a fixed partition count or (null) the input's.</summary>
    public void AddRepartitionTopic(string topic, int? partitions)
        => AddNode(topic, "topic", topology => topology.AddInternalTopic(new RepartitionTopicConfig(topic, partitions)));

    /// <summary>The suffix of repartition topics.</summary>
    public const string RepartitionTopicSuffix = "-repartition";

    /// <summary>Writes every node into a new topology.</summary>
    public Topology Build(StreamsConfig? config)
    {
        Config = config ?? new StreamsConfig();
        var topology = new Topology();
        foreach (var node in _nodes)
        {
            node.WriteTo(topology);
        }

        topology.Attachments.AddRange(_attachments);
        return topology;
    }

    [GeneratedRegex("^KSTREAM.*-[0-9]{10}$")]
    private static partial Regex GeneratedName();
}
