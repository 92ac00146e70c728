using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>
/// Kafka's <c>InsertField$Key</c>/<c>$Value</c>: adds the record's topic, partition, offset (sinks), timestamp and a
/// static value as fields. A field name ending in <c>!</c> is required, <c>?</c> (the default) optional.
/// </summary>
public abstract class InsertField : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("topic.field", ConfigType.String, null, Importance.Medium, "Field for the topic name; empty: not inserted.")
        .Define("partition.field", ConfigType.String, null, Importance.Medium, "Field for the partition.")
        .Define("offset.field", ConfigType.String, null, Importance.Medium, "Field for the offset (sink connectors only).")
        .Define("timestamp.field", ConfigType.String, null, Importance.Medium, "Field for the record timestamp.")
        .Define("static.field", ConfigType.String, null, Importance.Medium, "Field for a static value.")
        .Define("static.value", ConfigType.String, null, Importance.Medium, "The static value.");

    private string? _topic;
    private string? _partition;
    private string? _offset;
    private string? _timestamp;
    private string? _static;
    private string? _staticValue;

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _topic = Name(parsed.GetString("topic.field"));
        _partition = Name(parsed.GetString("partition.field"));
        _offset = Name(parsed.GetString("offset.field"));
        _timestamp = Name(parsed.GetString("timestamp.field"));
        _static = Name(parsed.GetString("static.field"));
        _staticValue = parsed.GetString("static.value");
        if (_topic is null && _partition is null && _offset is null && _timestamp is null && _static is null)
        {
            throw new ConfigException("topic.field", null, "at least one of topic.field, partition.field, offset.field, timestamp.field or static.field must be set");
        }
    }

    private static string? Name(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().TrimEnd('!', '?');

    private IEnumerable<(string Field, Schema Schema, object? Value)> Inserts(ConnectRecord record)
    {
        if (_topic is not null)
        {
            yield return (_topic, Schema.OptionalStringSchema, record.Topic);
        }

        if (_partition is not null)
        {
            yield return (_partition, Schema.OptionalInt32Schema, record.KafkaPartition);
        }

        if (_offset is not null)
        {
            yield return (_offset, Schema.OptionalInt64Schema, (record as SinkRecord)?.KafkaOffset
                ?? throw new DataException("offset.field is only supported for sink connectors"));
        }

        if (_timestamp is not null)
        {
            yield return (_timestamp, Timestamp.Builder().Optional().Build(), record.Timestamp?.UtcDateTime);
        }

        if (_static is not null)
        {
            yield return (_static, Schema.OptionalStringSchema, _staticValue);
        }
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
    {
        var result = new Dictionary<string, object?>(RequireMap(value), StringComparer.Ordinal);
        foreach (var (field, _, v) in Inserts(record))
        {
            result[field] = v;
        }

        return (null, result);
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        var original = RequireStruct(value);
        var inserts = Inserts(record).ToList();
        var builder = CopyStructShell(schema);
        foreach (var field in schema.Fields)
        {
            builder.Field(field.Name, field.Schema);
        }

        foreach (var (field, fieldSchema, _) in inserts)
        {
            builder.Field(field, fieldSchema);
        }

        var result = new Struct(builder.Build());
        foreach (var field in schema.Fields)
        {
            result.Put(field.Name, original.Get(field.Name));
        }

        foreach (var (field, _, v) in inserts)
        {
            result.Put(field, v);
        }

        return (result.Schema, result);
    }

    /// <summary>Inserts into the key.</summary>
    public sealed class Key : InsertField
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Inserts into the value.</summary>
    public sealed class Value : InsertField
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
