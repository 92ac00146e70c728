using Platform.Client;

namespace Platform.Streams.Runtime;

/// <summary>
/// One store's changelog partition as the <see cref="ChangelogReader"/> follows it: where to start, how to
/// write a record into the store, and (for an active task) the end offset to reach before the task runs.
/// </summary>
internal sealed class ChangelogPartition
{
    /// <summary>A changelog partition to read from <paramref name="startOffset"/> (null: the beginning).</summary>
    public ChangelogPartition(TopicPartition partition, string storeName, long? startOffset, bool standby, Action<byte[], byte[]?, long> apply)
    {
        Partition = partition;
        StoreName = storeName;
        StartOffset = startOffset;
        Standby = standby;
        Apply = apply;
    }

    /// <summary>The changelog topic partition.</summary>
    public TopicPartition Partition { get; }

    /// <summary>The store it restores.</summary>
    public string StoreName { get; }

    /// <summary>The first offset to read (the checkpoint), or null to read from the beginning.</summary>
    public long? StartOffset { get; }

    /// <summary>Whether it belongs to a standby task (read forever) rather than an active one (read up to its end once).</summary>
    public bool Standby { get; }

    /// <summary>Writes one record (key, value or null to delete, timestamp) into the store.</summary>
    public Action<byte[], byte[]?, long> Apply { get; }

    /// <summary>The offset restoration must reach; null until it is looked up (and always for standbys).</summary>
    public long? EndOffset { get; set; }

    /// <summary>The next offset to read: the offset after the last record applied.</summary>
    public long? NextOffset { get; set; }

    /// <summary>Records applied so far.</summary>
    public long Restored { get; set; }

    /// <summary>Whether an active task's store has caught up.</summary>
    public bool Completed { get; set; }
}
