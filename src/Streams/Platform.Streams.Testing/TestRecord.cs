using Platform.Client;

namespace Platform.Streams.Testing;

/// <summary>A record piped into or read from a test topic.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Timestamp">The timestamp in ms since the epoch.</param>
/// <param name="Headers">The headers, or null.</param>
public sealed record TestRecord<TKey, TValue>(TKey Key, TValue Value, long Timestamp, Headers? Headers = null)
{
    /// <summary>The timestamp as a time.</summary>
    public DateTimeOffset RecordTime => DateTimeOffset.FromUnixTimeMilliseconds(Timestamp);
}
