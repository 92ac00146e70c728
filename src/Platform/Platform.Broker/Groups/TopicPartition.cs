namespace Platform.Broker.Groups;

/// <summary>A topic name and partition index, the key of a committed offset.</summary>
public readonly record struct TopicPartition(string Topic, int Partition);

/// <summary>A committed offset as stored: offset, leader epoch (-1 unknown), client metadata and times.</summary>
/// <param name="ExpireTimestampMs">Set only by OffsetCommit v2-v4 with an explicit retention time (the old expiry rule).</param>
public sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs, long? ExpireTimestampMs);
