using Platform.Client;

namespace Platform.Streams;

/// <summary>
/// One instance of the application (Kafka's <c>StreamsMetadata</c>), as the last group assignment describes it:
/// its <c>application.server</c>, the input partitions its active and standby tasks run, and the stores of those tasks.
/// </summary>
/// <param name="HostInfo">The instance's <c>application.server</c>.</param>
/// <param name="StateStoreNames">The stores of its active tasks.</param>
/// <param name="TopicPartitions">The input partitions of its active tasks.</param>
/// <param name="StandbyStateStoreNames">The stores it keeps standby copies of (those with a changelog).</param>
/// <param name="StandbyTopicPartitions">The input partitions of its standby tasks.</param>
public sealed record StreamsMetadata(
    HostInfo HostInfo,
    IReadOnlySet<string> StateStoreNames,
    IReadOnlySet<TopicPartition> TopicPartitions,
    IReadOnlySet<string> StandbyStateStoreNames,
    IReadOnlySet<TopicPartition> StandbyTopicPartitions);
