using Platform.Client;
using Platform.Streams.Errors;

namespace Platform.Streams.Processors;

/// <summary>The record's own timestamp; a negative one fails the task (Kafka's default extractor).</summary>
public sealed class FailOnInvalidTimestamp : ITimestampExtractor
{
    /// <inheritdoc/>
    public long Extract(ConsumeResult<object?, object?> record, long partitionTime)
    {
        ArgumentNullException.ThrowIfNull(record);
        var timestamp = record.Message?.Timestamp.UnixTimestampMs ?? -1;
        return timestamp >= 0
            ? timestamp
            : throw new StreamsException($"Record {record.Topic}-{record.Partition}@{record.Offset} has the invalid timestamp {timestamp}; use another timestamp extractor to process it.");
    }
}
