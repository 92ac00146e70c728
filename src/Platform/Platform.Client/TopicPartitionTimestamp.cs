namespace Platform.Client;

/// <summary>A partition and a point in time, for looking up offsets by time.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="Timestamp">The time; only <see cref="Timestamp.UnixTimestampMs"/> is used.</param>
public sealed record TopicPartitionTimestamp(TopicPartition TopicPartition, Timestamp Timestamp)
{
    /// <summary>Creates the time <paramref name="timestamp"/> in <paramref name="topic"/>-<paramref name="partition"/>.</summary>
    public TopicPartitionTimestamp(string topic, int partition, Timestamp timestamp)
        : this(new TopicPartition(topic, partition), timestamp)
    {
    }

    /// <summary>Topic name.</summary>
    public string Topic => TopicPartition.Topic;

    /// <summary>Partition index.</summary>
    public int Partition => TopicPartition.Partition;
}
