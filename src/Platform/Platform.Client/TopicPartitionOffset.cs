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

    /// <inheritdoc />
    public override string ToString() => $"{TopicPartition}@{Offset}";
}
