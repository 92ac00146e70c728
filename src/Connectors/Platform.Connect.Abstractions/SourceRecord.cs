using Platform.Connect.Data;

namespace Platform.Connect;

/// <summary>
/// A record a source task read, with where it came from: <see cref="SourcePartition"/> names the source
/// stream (a table, a file) and <see cref="SourceOffset"/> the position after this record in it. The runtime
/// stores offsets in the offsets topic once the record is in the broker (or in the same transaction under
/// exactly-once), and hands them back through <see cref="Connectors.IOffsetStorageReader"/> on restart.
/// Offset maps hold JSON-friendly values: string, long, double, bool, null.
/// </summary>
public sealed class SourceRecord : ConnectRecord
{
    /// <summary>A source record.</summary>
    public SourceRecord(IReadOnlyDictionary<string, object?>? sourcePartition, IReadOnlyDictionary<string, object?>? sourceOffset,
        string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp = null, IReadOnlyList<ConnectHeader>? headers = null)
        : base(topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers)
    {
        SourcePartition = sourcePartition ?? new Dictionary<string, object?>();
        SourceOffset = sourceOffset ?? new Dictionary<string, object?>();
    }

    /// <summary>A source record without key.</summary>
    public SourceRecord(IReadOnlyDictionary<string, object?>? sourcePartition, IReadOnlyDictionary<string, object?>? sourceOffset,
        string topic, Schema? valueSchema, object? value)
        : this(sourcePartition, sourceOffset, topic, null, null, null, valueSchema, value)
    {
    }

    /// <summary>The source stream this record came from.</summary>
    public IReadOnlyDictionary<string, object?> SourcePartition { get; }

    /// <summary>The position in that stream after this record.</summary>
    public IReadOnlyDictionary<string, object?> SourceOffset { get; }

    /// <inheritdoc/>
    public override ConnectRecord NewRecord(string topic, int? kafkaPartition, Schema? keySchema, object? key, Schema? valueSchema, object? value,
        DateTimeOffset? timestamp, IReadOnlyList<ConnectHeader>? headers)
        => new SourceRecord(SourcePartition, SourceOffset, topic, kafkaPartition, keySchema, key, valueSchema, value, timestamp, headers);
}
