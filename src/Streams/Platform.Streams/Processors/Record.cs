using Platform.Client;

namespace Platform.Streams.Processors;

/// <summary>
/// A record flowing between processors: key, value, timestamp (ms since the epoch) and headers. Change it
/// with <c>with</c> (<c>record with { Value = v }</c>) before forwarding.
/// </summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (null for a tombstone where the type allows it).</param>
/// <param name="Timestamp">The timestamp in ms since the epoch.</param>
/// <param name="Headers">The headers, or null.</param>
public readonly record struct Record<TKey, TValue>(TKey Key, TValue Value, long Timestamp, Headers? Headers = null);
