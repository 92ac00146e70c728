namespace Platform.Client.Admin;

/// <summary>A group and some of its partitions (null: all partitions with committed offsets).</summary>
/// <param name="Group">The group id.</param>
/// <param name="TopicPartitions">The partitions, or null for all.</param>
public sealed record ConsumerGroupTopicPartitions(string Group, IReadOnlyList<TopicPartition>? TopicPartitions);

/// <summary>A group and the offsets to commit for it.</summary>
/// <param name="Group">The group id.</param>
/// <param name="Offsets">The partitions and offsets.</param>
public sealed record ConsumerGroupTopicPartitionOffsets(string Group, IReadOnlyList<TopicPartitionOffset> Offsets);

/// <summary>A group's committed offsets (<see cref="IAdminClient.ListConsumerGroupOffsetsAsync"/>).</summary>
/// <param name="Group">The group id.</param>
/// <param name="Partitions">Per partition the committed offset (<see cref="Offset.Unset"/> when none) or error.</param>
public sealed record ListConsumerGroupOffsetsResult(string Group, IReadOnlyList<TopicPartitionOffsetError> Partitions);

/// <summary>The outcome of listing one group's offsets, inside <see cref="ListConsumerGroupOffsetsException"/>.</summary>
/// <param name="Group">The group id.</param>
/// <param name="Error">The group-level error, or no error.</param>
/// <param name="Partitions">Per partition the committed offset or error.</param>
public sealed record ListConsumerGroupOffsetsReport(string Group, Error Error, IReadOnlyList<TopicPartitionOffsetError> Partitions);

/// <summary>The offsets committed for a group (<see cref="IAdminClient.AlterConsumerGroupOffsetsAsync"/>).</summary>
/// <param name="Group">The group id.</param>
/// <param name="Partitions">Per partition the committed offset.</param>
public sealed record AlterConsumerGroupOffsetsResult(string Group, IReadOnlyList<TopicPartitionOffsetError> Partitions);

/// <summary>The outcome of altering one group's offsets, inside <see cref="AlterConsumerGroupOffsetsException"/>.</summary>
/// <param name="Group">The group id.</param>
/// <param name="Error">The first error, or no error.</param>
/// <param name="Partitions">Per partition the offset and its error.</param>
public sealed record AlterConsumerGroupOffsetsReport(string Group, Error Error, IReadOnlyList<TopicPartitionOffsetError> Partitions);

/// <summary>The partitions whose offsets were deleted (<see cref="IAdminClient.DeleteConsumerGroupOffsetsAsync"/>).</summary>
/// <param name="Group">The group id.</param>
/// <param name="Partitions">The partitions.</param>
public sealed record DeleteConsumerGroupOffsetsResult(string Group, IReadOnlyList<TopicPartition> Partitions);

/// <summary>The outcome of deleting a group's offsets, inside <see cref="DeleteConsumerGroupOffsetsException"/>.</summary>
/// <param name="Group">The group id.</param>
/// <param name="Error">The group-level or first partition error.</param>
/// <param name="Partitions">Per partition the error.</param>
public sealed record DeleteConsumerGroupOffsetsReport(string Group, Error Error, IReadOnlyList<TopicPartitionError> Partitions);

/// <summary>The outcome of deleting one group.</summary>
/// <param name="Group">The group id.</param>
/// <param name="Error">Why it failed (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...), or no error.</param>
public sealed record DeleteGroupReport(string Group, Error Error);
