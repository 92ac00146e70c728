namespace Platform.Client.Admin;

/// <summary>An offset found by <see cref="IAdminClient.ListOffsetsAsync"/>.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="Offset">The offset, -1 when none matches (e.g. a timestamp after the last record).</param>
/// <param name="Timestamp">The record's timestamp, -1 when not applicable.</param>
/// <param name="LeaderEpoch">The leader epoch, null when unknown.</param>
/// <param name="Error">Why the lookup failed, or no error.</param>
public sealed record ListOffsetsResultInfo(TopicPartition TopicPartition, long Offset, long Timestamp, int? LeaderEpoch, Error Error);
