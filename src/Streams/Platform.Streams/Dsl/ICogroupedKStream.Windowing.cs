namespace Platform.Streams.Dsl;

// Windowed cogrouped aggregations (Kafka's CogroupedKStream.windowedBy).
public partial interface ICogroupedKStream<TKey, TAggregate>
{
    /// <summary>Aggregates per key and tumbling or hopping window of <paramref name="windows"/>.</summary>
    ITimeWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(TimeWindows windows);

    /// <summary>Aggregates per key and sliding window of <paramref name="windows"/>.</summary>
    ITimeWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(SlidingWindows windows);

    /// <summary>Aggregates per key and session of <paramref name="windows"/>.</summary>
    ISessionWindowedCogroupedKStream<TKey, TAggregate> WindowedBy(SessionWindows windows);
}
