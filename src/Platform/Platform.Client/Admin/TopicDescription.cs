namespace Platform.Client.Admin;

/// <summary>A described topic.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="TopicId">Topic id.</param>
/// <param name="IsInternal">Whether the topic is internal.</param>
/// <param name="Partitions">Its partitions, ordered by index.</param>
/// <param name="Error">Why it could not be described (e.g. UNKNOWN_TOPIC_OR_PARTITION), or no error.</param>
public sealed record TopicDescription(string Name, Guid TopicId, bool IsInternal, IReadOnlyList<TopicPartitionInfo> Partitions, Error Error);
