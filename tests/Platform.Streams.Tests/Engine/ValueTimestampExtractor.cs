using Platform.Client;
using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Takes the timestamp from the value ("ts:payload"), which needs the deserialized value.</summary>
internal sealed class ValueTimestampExtractor : ITimestampExtractor
{
    public long Extract(ConsumeResult<object?, object?> record, long partitionTime)
        => long.Parse(((string)record.Message!.Value!).Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
}
