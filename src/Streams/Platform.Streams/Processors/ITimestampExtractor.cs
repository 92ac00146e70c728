using Platform.Client;

namespace Platform.Streams.Processors;

/// <summary>
/// Gives each consumed record the timestamp stream time and windows use (<c>default.timestamp.extractor</c>,
/// or per source). <c>partitionTime</c> is the largest timestamp of the partition so far (-1 at first).
/// A negative result drops the record.
/// </summary>
public interface ITimestampExtractor
{
    /// <summary>The timestamp of <paramref name="record"/> (key and value deserialized), in ms since the epoch.</summary>
    long Extract(ConsumeResult<object?, object?> record, long partitionTime);
}
