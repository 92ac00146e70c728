using Platform.Client;

namespace Platform.Streams.Processors;

/// <summary>The record's own timestamp; a record with a negative one is dropped.</summary>
public sealed class LogAndSkipOnInvalidTimestamp : ITimestampExtractor
{
    /// <inheritdoc/>
    public long Extract(ConsumeResult<object?, object?> record, long partitionTime)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Message?.Timestamp.UnixTimestampMs ?? -1;
    }
}
