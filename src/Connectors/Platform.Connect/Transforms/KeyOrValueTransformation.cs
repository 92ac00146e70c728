using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>
/// The base of transformations that come as <c>$Key</c> and <c>$Value</c> variants (Kafka's nested classes): they
/// work on the record's key or value, schemaless (a map) or with a schema (a <see cref="Struct"/>).
/// </summary>
public abstract class KeyOrValueTransformation : ITransformation
{
    /// <summary>Whether this variant works on the key.</summary>
    protected abstract bool IsKey { get; }

    /// <inheritdoc/>
    public abstract ConfigDef Config { get; }

    /// <inheritdoc/>
    public abstract void Configure(IReadOnlyDictionary<string, string> config);

    /// <inheritdoc/>
    public ConnectRecord? Apply(ConnectRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var schema = IsKey ? record.KeySchema : record.ValueSchema;
        var value = IsKey ? record.Key : record.Value;
        var (newSchema, newValue) = schema is null ? ApplySchemaless(record, value) : ApplyWithSchema(record, schema, value);
        return IsKey
            ? record.NewRecord(record.Topic, record.KafkaPartition, newSchema, newValue, record.ValueSchema, record.Value, record.Timestamp, record.Headers)
            : record.NewRecord(record.Topic, record.KafkaPartition, record.KeySchema, record.Key, newSchema, newValue, record.Timestamp, record.Headers);
    }

    /// <summary>Transforms a schemaless key or value.</summary>
    protected abstract (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value);

    /// <summary>Transforms a key or value with a schema.</summary>
    protected abstract (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value);

    /// <summary>The key or value as a map, or a <see cref="DataException"/> naming the transformation.</summary>
    protected IDictionary<string, object?> RequireMap(object? value)
        => value as IDictionary<string, object?> ?? throw new DataException(
            $"Only Map objects supported in absence of schema for [{GetType().DeclaringType?.Name ?? GetType().Name}], found: {value?.GetType().Name ?? "null"}");

    /// <summary>The key or value as a struct, or a <see cref="DataException"/> naming the transformation.</summary>
    protected Struct RequireStruct(object? value)
        => value as Struct ?? throw new DataException(
            $"Only Struct objects supported for [{GetType().DeclaringType?.Name ?? GetType().Name}], found: {value?.GetType().Name ?? "null"}");

    /// <summary>A builder copying <paramref name="schema"/>'s name, version, doc and optionality, without fields.</summary>
    protected static SchemaBuilder CopyStructShell(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var builder = SchemaBuilder.Struct();
        if (schema.Name is not null)
        {
            builder.Name(schema.Name);
        }

        if (schema.Version is { } version)
        {
            builder.Version(version);
        }

        if (schema.Doc is not null)
        {
            builder.Doc(schema.Doc);
        }

        return schema.IsOptional ? builder.Optional() : builder;
    }

    /// <summary>The fields a list key names, e.g. <c>fields</c>.</summary>
    protected static IReadOnlyList<string> ListOf(ParsedConfig config, string key) => config.GetList(key);

    /// <inheritdoc/>
    public void Dispose() => GC.SuppressFinalize(this);
}
