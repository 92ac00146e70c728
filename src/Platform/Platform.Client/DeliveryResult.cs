namespace Platform.Client;

/// <summary>Where a produced record landed.</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class DeliveryResult<TKey, TValue>
{
    /// <summary>The topic.</summary>
    public string Topic { get; set; } = "";

    /// <summary>The partition, or -1 when the record failed before a partition was chosen.</summary>
    public int Partition { get; set; } = -1;

    /// <summary>The record's offset, or -1 when unknown (acks=0, failure).</summary>
    public long Offset { get; set; } = -1;

    /// <summary>Whether the record is in the log.</summary>
    public PersistenceStatus Status { get; set; }

    /// <summary>The record as produced (the application's message object).</summary>
    public Message<TKey, TValue> Message { get; set; } = null!;

    /// <summary>The record's timestamp: the one sent, or the broker's for LogAppendTime topics.</summary>
    public Timestamp Timestamp { get; set; }

    /// <summary>The record key.</summary>
    public TKey Key => Message.Key;

    /// <summary>The record value.</summary>
    public TValue Value => Message.Value;

    /// <summary>The record headers.</summary>
    public Headers? Headers => Message.Headers;

    /// <summary>Topic and partition.</summary>
    public TopicPartition TopicPartition => new(Topic, Partition);
}
