using Platform.Protocol.RecordFormat;

namespace Platform.Client;

/// <summary>
/// A record as the fetch buffers hold it, for throughput-critical code: spans over pooled memory,
/// valid only during the <see cref="RawRecordHandler"/> call that receives it.
/// </summary>
public readonly ref struct RawRecord
{
    private readonly Record _record;

    internal RawRecord(TopicPartition topicPartition, in Record record, TimestampType timestampType)
    {
        TopicPartition = topicPartition;
        _record = record;
        TimestampType = timestampType;
    }

    /// <summary>The record's partition.</summary>
    public TopicPartition TopicPartition { get; }

    /// <summary>The record's offset.</summary>
    public long Offset => _record.Offset;

    /// <summary>The record's timestamp, in ms since the Unix epoch.</summary>
    public long Timestamp => _record.Timestamp;

    /// <summary>Whether <see cref="Timestamp"/> is the producer's or the broker's.</summary>
    public TimestampType TimestampType { get; }

    /// <summary>Whether the key is null (as opposed to empty).</summary>
    public bool IsKeyNull => _record.IsKeyNull;

    /// <summary>Whether the value is null (a tombstone).</summary>
    public bool IsValueNull => _record.IsValueNull;

    /// <summary>The key's bytes; empty when null.</summary>
    public ReadOnlySpan<byte> Key => _record.KeySpan;

    /// <summary>The value's bytes; empty when null.</summary>
    public ReadOnlySpan<byte> Value => _record.ValueSpan;

    /// <summary>The headers, still encoded; enumerate them without allocating.</summary>
    public RecordHeaders Headers => _record.Headers;
}

/// <summary>Receives one <see cref="RawRecord"/> of <see cref="IConsumer{TKey, TValue}.ConsumeRaw"/>.</summary>
/// <param name="record">The record; its spans are invalid after the call returns.</param>
public delegate void RawRecordHandler(RawRecord record);
