using Platform.Connect.Data;

namespace Platform.Connect;

/// <summary>A record consumed for a sink task, with its Kafka coordinates.</summary>
public sealed class SinkRecord : ConnectRecord
{
    /// <summary>A sink record.</summary>
    public SinkRecord(string topic, int partition, Schema? keySchema, object? key, Schema? valueSchema, object? value, long kafkaOffset,
        DateTimeOffset? timestamp = null, IReadOnlyList<ConnectHeader>? headers = null, string? originalTopic = null, int? originalPartition = null, long? originalOffset = null)
        : base(topic, partition, keySchema, key, valueSchema, value, timestamp, headers)
    {
        KafkaOffset = kafkaOffset;
        OriginalTopic = originalTopic ?? topic;
        OriginalKafkaPartition = originalPartition ?? partition;
        OriginalKafkaOffset = originalOffset ?? kafkaOffset;
    }

    /// <summary>The record's offset in its partition.</summary>
    public long KafkaOffset { get; private set; }

    /// <summary>The topic it was consumed from, before transformations renamed it.</summary>
    public string OriginalTopic { get; private set; }

    /// <summary>The partition it was consumed from.</summary>
    public int OriginalKafkaPartition { get; private set; }

    /// <summary>The offset it was consumed at: the one a sink stores for exactly-once.</summary>
    public long OriginalKafkaOffset { get; private set; }

    /// <summary>
    /// Makes this record the consumed record given, as the constructor would make it: the sink runtime reuses the records of
    /// a batch whose put returned for a later batch, when the task lets it (<see cref="Connectors.SinkTask.RecordsMayBeReused"/>).
    /// </summary>
    internal void Reuse(string topic, int partition, Schema? keySchema, object? key, Schema? valueSchema, object? value, long kafkaOffset,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
    {
        Set(topic, partition, keySchema, key, valueSchema, value, timestamp, headers);
        KafkaOffset = kafkaOffset;
        OriginalTopic = topic;
        OriginalKafkaPartition = partition;
        OriginalKafkaOffset = kafkaOffset;
    }

    /// <inheritdoc/>
    public override ConnectRecord NewRecord(string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
        => new SinkRecord(topic, kafkaPartition ?? OriginalKafkaPartition, keySchema, key, valueSchema, value, KafkaOffset, timestamp, headers,
            OriginalTopic, OriginalKafkaPartition, OriginalKafkaOffset);
}
