namespace Platform.Client;

/// <summary>A partition, an offset in it and the outcome of an operation on it (a commit, a committed-offset lookup).</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="Offset">The offset; <see cref="Offset.Unset"/> when the group has none committed.</param>
/// <param name="Error">Why it failed, or no error.</param>
public sealed record TopicPartitionOffsetError(TopicPartition TopicPartition, Offset Offset, Error Error)
{
    /// <summary>Topic name.</summary>
    public string Topic => TopicPartition.Topic;

    /// <summary>Partition index.</summary>
    public int Partition => TopicPartition.Partition;

    /// <summary>The metadata string committed with the offset, if any.</summary>
    public string? Metadata { get; init; }

    /// <summary>The leader epoch committed with the offset, if any (KIP-320).</summary>
    public int? LeaderEpoch { get; init; }

    /// <summary>The partition, offset and leader epoch without the error.</summary>
    public TopicPartitionOffset TopicPartitionOffset => new(TopicPartition, Offset) { LeaderEpoch = LeaderEpoch };

    /// <inheritdoc />
    public override string ToString() => Error.IsError ? $"{TopicPartition}@{Offset} ({Error})" : $"{TopicPartition}@{Offset}";
}
