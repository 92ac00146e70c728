using Platform.Streams.Dsl.Internal;
using Platform.Streams.Processors;

namespace Platform.Streams.Dsl;

/// <summary>Observing a stream's records in process with System.Reactive (<see cref="IObservable{T}"/>).</summary>
public static class KStreamObservableExtensions
{
    /// <summary>
    /// A terminal operation (like <see cref="IKStream{TKey,TValue}.Foreach"/>) that hands every record of the
    /// stream, with its timestamp and headers, to the observers of the returned hot observable.
    /// </summary>
    /// <remarks>
    /// <para>Records reach the observers on the stream thread that processes them, as they are processed, one
    /// call at a time across all tasks and threads of the instance (so <c>OnNext</c> calls never overlap), in
    /// each partition's order; there is no order across partitions. A slow observer slows processing; an
    /// exception thrown by an observer is a processing error of the observing node (the processing exception
    /// handler decides). Subscribe before the instance starts to see every record.</para>
    /// <para>The observable completes when the <see cref="KafkaStreams"/> instance running the topology closes,
    /// or ends with <c>OnError</c> carrying what stopped it. The records are seen when processed, not when
    /// committed: after a crash or a rebalance, records processed but not committed are processed (and seen)
    /// again, under exactly_once_v2 too (observers are outside the transaction). Only the records of the tasks
    /// this instance runs are seen. Under the <c>TopologyTestDriver</c> records are seen as they are piped in and
    /// the observable does not complete.</para>
    /// </remarks>
    /// <param name="stream">The stream to observe.</param>
    /// <param name="named">The observing processor's name (generated when null).</param>
    /// <exception cref="ArgumentException">The stream was not made by a <see cref="StreamsBuilder"/>.</exception>
    public static IObservable<Record<TKey, TValue>> AsObservable<TKey, TValue>(this IKStream<TKey, TValue> stream, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is not KStream<TKey, TValue> kstream)
        {
            throw new ArgumentException($"AsObservable needs a stream made by a StreamsBuilder, not a {stream.GetType().Name}.", nameof(stream));
        }

        var observed = new ObservedStream<TKey, TValue>();
        var name = kstream.Builder.NameOrGenerate(named, "KSTREAM-OBSERVE-");
        kstream.Builder.AddProcessor<TKey, TValue, TKey, TValue>(name, () => new KStreamObserve<TKey, TValue>(observed), [kstream.Name]);
        kstream.Builder.AddAttachment(observed);
        return observed;
    }
}
