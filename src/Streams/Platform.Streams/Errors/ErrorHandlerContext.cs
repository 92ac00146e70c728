using Platform.Client;
using Platform.Streams.Processors;

namespace Platform.Streams.Errors;

/// <summary>Where a record failed: its source coordinates, the task and the processor (if any).</summary>
/// <param name="Topic">The source topic (empty for records a punctuator created).</param>
/// <param name="Partition">The source partition, -1 when unknown.</param>
/// <param name="Offset">The source offset, -1 when unknown.</param>
/// <param name="Headers">The source record's headers, or null.</param>
/// <param name="ProcessorNodeId">The processor that failed, or the source node for deserialization errors.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Timestamp">The record's timestamp.</param>
public sealed record ErrorHandlerContext(string Topic, int Partition, long Offset, Headers? Headers, string ProcessorNodeId, TaskId TaskId, long Timestamp);
