using Platform.Streams.Processors;

namespace Platform.Streams;

/// <summary>One local stream thread and its tasks (Kafka's <c>ThreadMetadata</c>), from <see cref="KafkaStreams.MetadataForLocalThreads"/>.</summary>
/// <param name="ThreadName">The thread's name.</param>
/// <param name="ThreadState">Its state (<c>Starting</c>, <c>PartitionsAssigned</c>, <c>Running</c>, ...).</param>
/// <param name="ActiveTasks">The tasks it runs.</param>
/// <param name="StandbyTasks">The tasks it keeps standby copies of.</param>
public sealed record ThreadMetadata(string ThreadName, string ThreadState, IReadOnlySet<TaskId> ActiveTasks, IReadOnlySet<TaskId> StandbyTasks);
