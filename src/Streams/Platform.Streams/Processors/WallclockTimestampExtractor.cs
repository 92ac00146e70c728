using Platform.Client;

namespace Platform.Streams.Processors;

/// <summary>The processing time: the system clock when the record is read (processing-time semantics).</summary>
public sealed class WallclockTimestampExtractor : ITimestampExtractor
{
    /// <inheritdoc/>
    public long Extract(ConsumeResult<object?, object?> record, long partitionTime) => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
