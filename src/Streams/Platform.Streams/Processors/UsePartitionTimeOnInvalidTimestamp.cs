using Platform.Client;
using Platform.Streams.Errors;

namespace Platform.Streams.Processors;

/// <summary>The record's own timestamp; a negative one is replaced by the partition's time so far.</summary>
public sealed class UsePartitionTimeOnInvalidTimestamp : ITimestampExtractor
{
    /// <inheritdoc/>
    public long Extract(ConsumeResult<object?, object?> record, long partitionTime)
    {
        ArgumentNullException.ThrowIfNull(record);
        var timestamp = record.Message?.Timestamp.UnixTimestampMs ?? -1;
        if (timestamp >= 0)
        {
            return timestamp;
        }

        return partitionTime >= 0
            ? partitionTime
            : throw new StreamsException($"Record {record.Topic}-{record.Partition}@{record.Offset} has the invalid timestamp {timestamp} and its partition has no time yet.");
    }
}
