namespace Platform.Client;

/// <summary>A partition and a position in it.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="Offset">An offset or a special value (<see cref="Offset.Beginning"/>, ...).</param>
public sealed record TopicPartitionOffset(TopicPartition TopicPartition, Offset Offset)
{
    /// <summary>Creates the position <paramref name="offset"/> in <paramref name="topic"/>-<paramref name="partition"/>.</summary>
    public TopicPartitionOffset(string topic, int partition, Offset offset)
        : this(new TopicPartition(topic, partition), offset)
    {
    }

    /// <summary>Topic name.</summary>
    public string Topic => TopicPartition.Topic;

    /// <summary>Partition index.</summary>
    public int Partition => TopicPartition.Partition;

    /// <summary>
    /// The leader epoch of the record before <see cref="Offset"/> (the last one consumed), when known: committed
    /// with the offset, it lets a consumer resuming there check that the log still holds it (KIP-320).
    /// </summary>
    public int? LeaderEpoch { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{TopicPartition}@{Offset}";
}
