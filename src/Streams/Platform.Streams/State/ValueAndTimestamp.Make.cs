namespace Platform.Streams.State;

/// <summary>Helpers for <see cref="ValueAndTimestamp{TValue}"/> with Kafka's null conventions.</summary>
public static class ValueAndTimestamp
{
    /// <summary>A pair, or null when <paramref name="value"/> is null (a deletion), as Kafka's <c>ValueAndTimestamp.make</c>.</summary>
    public static ValueAndTimestamp<TValue>? Make<TValue>(TValue? value, long timestamp) => value is null ? null : new(value, timestamp);

    /// <summary>The value of <paramref name="valueAndTimestamp"/>, or default when it is null.</summary>
    public static TValue? GetValueOrDefault<TValue>(ValueAndTimestamp<TValue>? valueAndTimestamp) => valueAndTimestamp is null ? default : valueAndTimestamp.Value;
}
