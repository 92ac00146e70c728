namespace Platform.Client;

/// <summary>The outcome of an operation on one partition.</summary>
/// <param name="TopicPartition">The partition.</param>
/// <param name="Error">Why it failed, or no error.</param>
public sealed record TopicPartitionError(TopicPartition TopicPartition, Error Error)
{
    /// <summary>Topic name.</summary>
    public string Topic => TopicPartition.Topic;

    /// <summary>Partition index.</summary>
    public int Partition => TopicPartition.Partition;
}
