using System.Text.RegularExpressions;
using Platform.Client.Serialization;
using Platform.Streams.Dsl;
using Platform.Streams.Dsl.Internal;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams;

/// <summary>
/// Builds a topology with the DSL (Kafka Streams' <c>StreamsBuilder</c>): start from streams and tables read from
/// topics, chain operators, then <see cref="Build"/> the <see cref="Topology"/> to run with <c>KafkaStreams</c> or
/// the test driver. Operators without a given name get generated ones (<c>KSTREAM-MAP-0000000001</c>) from one
/// counter per builder, so the same program always builds the same names.
/// </summary>
public sealed class StreamsBuilder
{
    private readonly InternalStreamsBuilder _builder = new();

    /// <summary>A stream of the records of <paramref name="topic"/>.</summary>
    public IKStream<TKey, TValue> Stream<TKey, TValue>(string topic, Consumed<TKey, TValue>? consumed = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return Stream([topic], consumed);
    }

    /// <summary>One stream of the records of all <paramref name="topics"/>.</summary>
    /// <exception cref="ArgumentException">No topic, or an empty name.</exception>
    public IKStream<TKey, TValue> Stream<TKey, TValue>(IEnumerable<string> topics, Consumed<TKey, TValue>? consumed = null)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var list = topics.ToArray();
        if (list.Length == 0 || list.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A stream needs at least one topic, and topic names cannot be empty.", nameof(topics));
        }

        return AddStream(list, null, consumed);
    }

    /// <summary>
    /// A stream fed from an in-process observable: while a <see cref="KafkaStreams"/> instance runs the topology,
    /// every element of <paramref name="source"/> is written to <paramref name="topic"/> (key and value with the
    /// serdes of <paramref name="consumed"/>, else the default serdes; partitioned by key) and the stream reads
    /// that topic like <see cref="Stream{TKey,TValue}(string,Consumed{TKey,TValue})"/>.
    /// </summary>
    /// <remarks>
    /// <para>The topic makes the feed durable and partitioned: elements survive a restart, spread over the
    /// instances of the application, and are processed with the usual guarantees once written. The topic must
    /// exist (or be auto-created) like any source topic.</para>
    /// <para>The instance subscribes when it starts and unsubscribes when it closes; it writes with its own
    /// idempotent producer (the <c>producer.</c> settings of the config), so retries do not duplicate an element.
    /// <c>OnNext</c> may block while the producer's buffer is full, which slows a fast source to what the broker
    /// takes. On <c>OnCompleted</c> the written elements are flushed; <c>OnError</c> is logged and ends the feed
    /// (what came before is written); a failed write is logged. Elements the source emits before the instance
    /// starts or after it closes are not written (use a replaying source to keep them). Every instance of the
    /// application that runs this topology subscribes to its own <paramref name="source"/>. The
    /// <c>TopologyTestDriver</c> does not run feeds: pipe the elements into its input topic instead.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">An empty topic name.</exception>
    public IKStream<TKey, TValue> Stream<TKey, TValue>(IObservable<KeyValuePair<TKey, TValue>> source, string topic, Consumed<TKey, TValue>? consumed = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var stream = Stream([topic], consumed);
        _builder.AddAttachment(new Runtime.ObservableFeed<TKey, TValue>(source, topic, consumed?.KeySerde, consumed?.ValueSerde));
        return stream;
    }

    /// <summary>One stream of the records of every topic matching <paramref name="pattern"/> (also topics created later).</summary>
    public IKStream<TKey, TValue> Stream<TKey, TValue>(Regex pattern, Consumed<TKey, TValue>? consumed = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return AddStream(null, pattern, consumed);
    }

    /// <summary>
    /// A table of <paramref name="topic"/>, read as a changelog (the latest value per key; a null value deletes).
    /// Its store is named by <paramref name="materialized"/> (then queryable), else generated
    /// (<c>&lt;topic&gt;-STATE-STORE-0000000000</c>) and only kept when an operator downstream needs it.
    /// </summary>
    public IKTable<TKey, TValue> Table<TKey, TValue>(string topic, Consumed<TKey, TValue>? consumed = null, Materialized<TKey, TValue>? materialized = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        consumed ??= new Consumed<TKey, TValue>();
        var store = new MaterializedInternal<TKey, TValue>(materialized, _builder, topic + "-");
        store.InheritSerdes(consumed.KeySerde, consumed.ValueSerde);
        var named = consumed.ProcessorName is null ? null : Named.As(consumed.ProcessorName);
        var sourceName = _builder.NameOrGenerate(named, "KSTREAM-SOURCE-");
        var tableSourceName = _builder.SuffixOrGenerate(named, "-table-source", "KTABLE-SOURCE-");
        var tableSource = new KTableSource<TKey, TValue>(store.StoreName, store.QueryableName);
        _builder.AddSource(sourceName, [topic], null, consumed);
        _builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(_builder.Config), () => tableSource.Materialized);
        _builder.AddNode(tableSourceName, topology =>
        {
            topology.AddProcessor(tableSourceName, tableSource.Get, sourceName);
            if (tableSource.Materialized)
            {
                topology.ConnectProcessorAndStateStores(tableSourceName, store.StoreName);
            }
        });
        return new KTable<TKey, TValue>(
            _builder, tableSourceName, store.KeySerde, store.ValueSerde, new HashSet<string>([sourceName], StringComparer.Ordinal), store.QueryableName, tableSource);
    }

    /// <summary>
    /// A table of all partitions of <paramref name="topic"/>, held in full by every instance (its topic is its
    /// changelog, so the store has no changelog topic of its own). Its store is always kept and queryable.
    /// </summary>
    public IGlobalKTable<TKey, TValue> GlobalTable<TKey, TValue>(string topic, Consumed<TKey, TValue>? consumed = null, Materialized<TKey, TValue>? materialized = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        consumed ??= new Consumed<TKey, TValue>();
        var store = new MaterializedInternal<TKey, TValue>((materialized ?? new Materialized<TKey, TValue>()).WithLoggingDisabled(), _builder, topic + "-");
        store.InheritSerdes(consumed.KeySerde, consumed.ValueSerde);
        var sourceName = _builder.NewProcessorName("KSTREAM-SOURCE-");
        var processorName = _builder.NewProcessorName("KTABLE-SOURCE-");
        var storeName = store.StoreName;
        _builder.AddNode(processorName, topology => topology.AddGlobalStore<TKey, TValue>(
            store.TimestampedKeyValueStore(_builder.Config),
            sourceName,
            consumed.KeySerde,
            consumed.ValueSerde,
            topic,
            processorName,
            () => new GlobalTableUpdater<TKey, TValue>(storeName),
            consumed.TimestampExtractor));
        return new GlobalKTable<TKey, TValue>(new StoreValueGetterSupplier<TKey, TValue>(storeName), storeName);
    }

    /// <summary>Adds a store for Processor API operators (<c>Process</c>, <c>ProcessValues</c>) to use by name.</summary>
    public StreamsBuilder AddStateStore(IStoreBuilder storeBuilder)
    {
        ArgumentNullException.ThrowIfNull(storeBuilder);
        _builder.AddStateStore(storeBuilder.Name, () => storeBuilder);
        return this;
    }

    /// <summary>
    /// Adds a global store kept up to date from <paramref name="topic"/> by <paramref name="stateUpdateSupplier"/>'s
    /// processors; every processor can read it. The store must not log: its topic is its changelog.
    /// </summary>
    public StreamsBuilder AddGlobalStore<TKey, TValue>(IStoreBuilder storeBuilder, string topic, Consumed<TKey, TValue> consumed, Func<IProcessor<TKey, TValue, Null?, Null?>> stateUpdateSupplier)
    {
        ArgumentNullException.ThrowIfNull(storeBuilder);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(consumed);
        ArgumentNullException.ThrowIfNull(stateUpdateSupplier);
        var sourceName = consumed.ProcessorName ?? _builder.NewProcessorName("KSTREAM-SOURCE-");
        var processorName = _builder.NewProcessorName("KTABLE-SOURCE-");
        _builder.AddNode(processorName, topology => topology.AddGlobalStore(
            storeBuilder, sourceName, consumed.KeySerde, consumed.ValueSerde, topic, processorName, stateUpdateSupplier, consumed.TimestampExtractor));
        return this;
    }

    /// <summary>
    /// The topology of everything added so far. <paramref name="config"/> supplies what the DSL decides at build
    /// time (<c>default.dsl.store</c>, default serdes of internal topics); the same settings should be given to
    /// the runtime or test driver.
    /// </summary>
    /// <exception cref="Errors.TopologyException">The graph is invalid (duplicate names, unknown stores).</exception>
    public Topology Build(StreamsConfig? config = null) => _builder.Build(config);

    private KStream<TKey, TValue> AddStream<TKey, TValue>(string[]? topics, Regex? pattern, Consumed<TKey, TValue>? consumed)
    {
        consumed ??= new Consumed<TKey, TValue>();
        var name = consumed.ProcessorName ?? _builder.NewProcessorName("KSTREAM-SOURCE-");
        _builder.AddSource(name, topics, pattern, consumed);
        return new KStream<TKey, TValue>(_builder, name, consumed.KeySerde, consumed.ValueSerde, new HashSet<string>([name], StringComparer.Ordinal), false);
    }
}
