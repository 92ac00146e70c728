namespace Platform.Client.Admin;

/// <summary>A topic as the Metadata API reports it.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="TopicId">Topic id (all zero when the broker predates topic ids).</param>
/// <param name="IsInternal">Whether the topic is internal (e.g. <c>__consumer_offsets</c>).</param>
/// <param name="Partitions">Its partitions, ordered by index.</param>
/// <param name="Error">The topic's error, e.g. UNKNOWN_TOPIC_OR_PARTITION.</param>
public sealed record TopicMetadata(string Topic, Guid TopicId, bool IsInternal, IReadOnlyList<PartitionMetadata> Partitions, Error Error);
