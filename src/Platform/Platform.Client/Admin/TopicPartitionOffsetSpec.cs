namespace Platform.Client.Admin;

/// <summary>An offset to look up for one partition.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="OffsetSpec">Which offset.</param>
public sealed record TopicPartitionOffsetSpec(TopicPartition TopicPartition, OffsetSpec OffsetSpec);
