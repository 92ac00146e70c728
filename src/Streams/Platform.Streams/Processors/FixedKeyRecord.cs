using Platform.Client;

namespace Platform.Streams.Processors;

/// <summary>
/// A record whose key a processor cannot change (input and output of <see cref="IFixedKeyProcessor{TKey,TValueIn,TValueOut}"/>):
/// only value, timestamp and headers can be replaced, so the stream needs no repartitioning afterwards.
/// </summary>
public readonly struct FixedKeyRecord<TKey, TValue>
{
    internal FixedKeyRecord(TKey key, TValue value, long timestamp, Headers? headers)
    {
        Key = key;
        Value = value;
        Timestamp = timestamp;
        Headers = headers;
    }

    /// <summary>The key.</summary>
    public TKey Key { get; }

    /// <summary>The value.</summary>
    public TValue Value { get; }

    /// <summary>The timestamp in ms since the epoch.</summary>
    public long Timestamp { get; }

    /// <summary>The headers, or null.</summary>
    public Headers? Headers { get; }

    /// <summary>The same record with the value <paramref name="value"/>.</summary>
    public FixedKeyRecord<TKey, TValueOut> WithValue<TValueOut>(TValueOut value) => new(Key, value, Timestamp, Headers);

    /// <summary>The same record with the timestamp <paramref name="timestamp"/>.</summary>
    public FixedKeyRecord<TKey, TValue> WithTimestamp(long timestamp) => new(Key, Value, timestamp, Headers);

    /// <summary>The same record with the headers <paramref name="headers"/>.</summary>
    public FixedKeyRecord<TKey, TValue> WithHeaders(Headers? headers) => new(Key, Value, Timestamp, headers);
}
