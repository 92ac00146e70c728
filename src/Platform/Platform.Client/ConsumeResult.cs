namespace Platform.Client;

/// <summary>One consumed record with its coordinates, or the end-of-partition event (<see cref="IsPartitionEOF"/>).</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public sealed class ConsumeResult<TKey, TValue>
{
    /// <summary>The record's topic.</summary>
    public string Topic { get; set; } = "";

    /// <summary>The record's partition.</summary>
    public int Partition { get; set; }

    /// <summary>The record's offset; for an end-of-partition event, the partition's end offset.</summary>
    public Offset Offset { get; set; }

    /// <summary>The leader epoch of the batch the record came from, if known.</summary>
    public int? LeaderEpoch { get; set; }

    /// <summary>The record: key, value, headers, timestamp; null for an end-of-partition event.</summary>
    public Message<TKey, TValue>? Message { get; set; }

    /// <summary>Whether this is no record but the event of reaching the end of the partition (<c>enable.partition.eof</c>).</summary>
    public bool IsPartitionEOF { get; set; }

    /// <summary>The record's partition.</summary>
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <summary>The record's partition and offset.</summary>
    public TopicPartitionOffset TopicPartitionOffset => new(Topic, Partition, Offset);

    /// <inheritdoc />
    public override string ToString() => IsPartitionEOF ? $"{Topic}-{Partition}@{Offset} (end of partition)" : $"{Topic}-{Partition}@{Offset}";
}
