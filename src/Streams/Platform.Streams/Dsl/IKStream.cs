using Platform.Streams.Processors;

namespace Platform.Streams.Dsl;

/// <summary>
/// A record stream (Kafka Streams' <c>KStream</c>): every record is an independent event. Each call adds a
/// named processor to the topology and returns the stream of its output; nothing runs until the topology
/// built by <see cref="StreamsBuilder.Build"/> is started. Operators that change the key mark the stream for
/// repartitioning: a later grouping or join first writes it through an internal
/// <c>&lt;application.id&gt;-&lt;name&gt;-repartition</c> topic so that equal keys meet in one task.
/// </summary>
public partial interface IKStream<TKey, TValue>
{
    /// <summary>Keeps the records for which <paramref name="predicate"/> is true.</summary>
    IKStream<TKey, TValue> Filter(Func<TKey, TValue, bool> predicate, Named? named = null);

    /// <summary>Drops the records for which <paramref name="predicate"/> is true.</summary>
    IKStream<TKey, TValue> FilterNot(Func<TKey, TValue, bool> predicate, Named? named = null);

    /// <summary>Gives each record the key <paramref name="keySelector"/> returns (marks the stream for repartitioning).</summary>
    IKStream<TKeyOut, TValue> SelectKey<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Named? named = null);

    /// <summary>Replaces each record's key and value (marks the stream for repartitioning).</summary>
    IKStream<TKeyOut, TValueOut> Map<TKeyOut, TValueOut>(Func<TKey, TValue, (TKeyOut Key, TValueOut Value)> mapper, Named? named = null);

    /// <summary>Replaces each record's value; the key stays, so no repartitioning is needed.</summary>
    IKStream<TKey, TValueOut> MapValues<TValueOut>(Func<TValue, TValueOut> mapper, Named? named = null);

    /// <summary>Replaces each record's value, computed from key and value; the key stays.</summary>
    IKStream<TKey, TValueOut> MapValues<TValueOut>(Func<TKey, TValue, TValueOut> mapper, Named? named = null);

    /// <summary>Replaces each record by zero or more records (marks the stream for repartitioning).</summary>
    IKStream<TKeyOut, TValueOut> FlatMap<TKeyOut, TValueOut>(Func<TKey, TValue, IEnumerable<(TKeyOut Key, TValueOut Value)>> mapper, Named? named = null);

    /// <summary>Replaces each record by zero or more records with the same key.</summary>
    IKStream<TKey, TValueOut> FlatMapValues<TValueOut>(Func<TValue, IEnumerable<TValueOut>> mapper, Named? named = null);

    /// <summary>Replaces each record by zero or more records with the same key, computed from key and value.</summary>
    IKStream<TKey, TValueOut> FlatMapValues<TValueOut>(Func<TKey, TValue, IEnumerable<TValueOut>> mapper, Named? named = null);

    /// <summary>Calls <paramref name="action"/> for each record and passes the record on unchanged.</summary>
    IKStream<TKey, TValue> Peek(Action<TKey, TValue> action, Named? named = null);

    /// <summary>Calls <paramref name="action"/> for each record (a terminal operation).</summary>
    void Foreach(Action<TKey, TValue> action, Named? named = null);

    /// <summary>Writes each record as a line <c>[label]: key, value</c> (a terminal operation, for debugging).</summary>
    void Print(Printed<TKey, TValue> printed);

    /// <summary>The records of this stream and of <paramref name="stream"/>, interleaved (no order between the two is promised).</summary>
    IKStream<TKey, TValue> Merge(IKStream<TKey, TValue> stream, Named? named = null);

    /// <summary>Starts splitting this stream into branches by predicates; each record goes to the first branch whose predicate holds.</summary>
    IBranchedKStream<TKey, TValue> Split(Named? named = null);

    /// <summary>Writes the stream through an internal repartition topic (always, whether the key changed or not) and reads it back.</summary>
    IKStream<TKey, TValue> Repartition(Repartitioned<TKey, TValue>? repartitioned = null);

    /// <summary>Writes each record to <paramref name="topic"/> (a terminal operation).</summary>
    void To(string topic, Produced<TKey, TValue>? produced = null);

    /// <summary>Writes each record to the topic <paramref name="topicExtractor"/> chooses (a terminal operation).</summary>
    void To(ITopicNameExtractor<TKey, TValue> topicExtractor, Produced<TKey, TValue>? produced = null);

    /// <summary>Reads the stream as a changelog: the latest value per key (a null value deletes).</summary>
    IKTable<TKey, TValue> ToTable(Materialized<TKey, TValue>? materialized = null, Named? named = null);

    /// <summary>Groups by the current key, for an aggregation (repartitions first when the key was changed upstream).</summary>
    IKGroupedStream<TKey, TValue> GroupByKey(Grouped<TKey, TValue>? grouped = null);

    /// <summary>Groups by the key <paramref name="keySelector"/> returns, for an aggregation (which repartitions first).</summary>
    IKGroupedStream<TKeyOut, TValue> GroupBy<TKeyOut>(Func<TKey, TValue, TKeyOut> keySelector, Grouped<TKeyOut, TValue>? grouped = null);

    /// <summary>Runs a Processor API processor on each record; its output is the new stream (marked for repartitioning, as the key may change).</summary>
    /// <param name="processorSupplier">Makes one processor per task.</param>
    /// <param name="stateStoreNames">Stores (added with <see cref="StreamsBuilder.AddStateStore"/>) the processor uses.</param>
    IKStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> processorSupplier, params string[] stateStoreNames);

    /// <summary>Like <see cref="Process{TKeyOut,TValueOut}(Func{IProcessor{TKey,TValue,TKeyOut,TValueOut}},string[])"/>, with a processor name.</summary>
    IKStream<TKeyOut, TValueOut> Process<TKeyOut, TValueOut>(Func<IProcessor<TKey, TValue, TKeyOut, TValueOut>> processorSupplier, Named named, params string[] stateStoreNames);

    /// <summary>Runs a processor that may change values but not keys; no repartitioning is needed afterwards.</summary>
    /// <param name="processorSupplier">Makes one processor per task.</param>
    /// <param name="stateStoreNames">Stores (added with <see cref="StreamsBuilder.AddStateStore"/>) the processor uses.</param>
    IKStream<TKey, TValueOut> ProcessValues<TValueOut>(Func<IFixedKeyProcessor<TKey, TValue, TValueOut>> processorSupplier, params string[] stateStoreNames);

    /// <summary>Like <see cref="ProcessValues{TValueOut}(Func{IFixedKeyProcessor{TKey,TValue,TValueOut}},string[])"/>, with a processor name.</summary>
    IKStream<TKey, TValueOut> ProcessValues<TValueOut>(Func<IFixedKeyProcessor<TKey, TValue, TValueOut>> processorSupplier, Named named, params string[] stateStoreNames);
}
