using System.Diagnostics.CodeAnalysis;
using Platform.Connect.Data;

namespace Platform.Connect;

/// <summary>
/// What flows through Connect: topic, partition (null: let the producer choose), key and value with their
/// schemas, timestamp and headers. Immutable to everyone outside the runtime; transformations return new records with
/// <see cref="NewRecord"/>. (The sink runtime alone may make a <see cref="SinkRecord"/> another record, for a task that lets it:
/// <see cref="Connectors.SinkTask.RecordsMayBeReused"/>.)
/// </summary>
public abstract class ConnectRecord
{
    /// <summary>A record.</summary>
    protected ConnectRecord(string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
        => Set(topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers);

    /// <summary>Sets every field, as the constructor does (and the sink runtime's reuse of a <see cref="SinkRecord"/>).</summary>
    [MemberNotNull(nameof(Topic), nameof(Headers))]
    private protected void Set(string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
    {
        Topic = topic;
        KafkaPartition = kafkaPartition;
        KeySchema = keySchema;
        Key = key;
        ValueSchema = valueSchema;
        Value = value;
        Timestamp = timestamp;
        Headers = headers ?? [];
    }

    /// <summary>The topic.</summary>
    public string Topic { get; private protected set; }

    /// <summary>The partition, or null for the producer's partitioner.</summary>
    public int? KafkaPartition { get; private protected set; }

    /// <summary>The key's schema, or null.</summary>
    public Schema? KeySchema { get; private protected set; }

    /// <summary>The key.</summary>
    public object? Key { get; private protected set; }

    /// <summary>The value's schema, or null.</summary>
    public Schema? ValueSchema { get; private protected set; }

    /// <summary>The value (null: a tombstone).</summary>
    public object? Value { get; private protected set; }

    /// <summary>The timestamp, or null for "now" when produced.</summary>
    public DateTimeOffset? Timestamp { get; private protected set; }

    /// <summary>The headers.</summary>
    public IReadOnlyList<ConnectHeader> Headers { get; private protected set; }

    /// <summary>A copy with other routing, key, value, timestamp or headers: what transformations return.</summary>
    public abstract ConnectRecord NewRecord(string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers);

    /// <summary>A copy with new key and value, the rest kept.</summary>
    public ConnectRecord WithKeyValue(Schema? keySchema, object? key, Schema? valueSchema, object? value)
        => NewRecord(Topic, KafkaPartition, keySchema, key, valueSchema, value, Timestamp, Headers);

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}{{topic='{Topic}', partition={KafkaPartition}, key={Key}, value={Value}, timestamp={Timestamp}}}";
}
