namespace Platform.Streams.Dsl;

/// <summary>Windowed aggregations of a grouped stream.</summary>
public partial interface IKGroupedStream<TKey, TValue>
{
    /// <summary>Aggregates per key and tumbling or hopping window.</summary>
    ITimeWindowedKStream<TKey, TValue> WindowedBy(TimeWindows windows);

    /// <summary>Aggregates per key and sliding (record-aligned) window.</summary>
    ITimeWindowedKStream<TKey, TValue> WindowedBy(SlidingWindows windows);

    /// <summary>Aggregates per key and session of activity.</summary>
    ISessionWindowedKStream<TKey, TValue> WindowedBy(SessionWindows windows);
}
