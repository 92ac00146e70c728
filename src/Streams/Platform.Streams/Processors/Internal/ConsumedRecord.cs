using Platform.Client;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// A consumed record as a task takes it: coordinates, timestamp, and the key and value bytes as spans (valid
/// only during the call that receives it, so the runtime can pass the consumer's fetch buffers without a copy).
/// </summary>
internal readonly ref struct ConsumedRecord
{
    public ConsumedRecord(string topic, int partition, long offset, long timestamp, TimestampType timestampType, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
        TimestampType = timestampType;
        Key = key;
        KeyIsNull = keyIsNull;
        Value = value;
        ValueIsNull = valueIsNull;
        Headers = headers;
    }

    public string Topic { get; }

    public int Partition { get; }

    public long Offset { get; }

    public long Timestamp { get; }

    public TimestampType TimestampType { get; }

    public ReadOnlySpan<byte> Key { get; }

    public bool KeyIsNull { get; }

    public ReadOnlySpan<byte> Value { get; }

    public bool ValueIsNull { get; }

    public Headers? Headers { get; }
}
