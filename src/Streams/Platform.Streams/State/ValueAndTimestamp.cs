namespace Platform.Streams.State;

/// <summary>A value with the timestamp of the record that last set it: what timestamped stores hold.</summary>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Timestamp">The timestamp in ms since the epoch.</param>
public sealed record ValueAndTimestamp<TValue>(TValue Value, long Timestamp);
