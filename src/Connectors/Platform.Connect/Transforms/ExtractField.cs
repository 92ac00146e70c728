using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>ExtractField$Key</c>/<c>$Value</c>: replaces the key or value with one of its fields.</summary>
public abstract class ExtractField : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("field", ConfigType.String, ConfigDef.NoDefault, Importance.Medium, "The field to extract.", ConfigDef.Validators.NonEmptyString());

    private string _field = "";

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config) => _field = Definition.Parse(config).GetString("field")!;

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
        => value is null ? (null, null) : (null, RequireMap(value).TryGetValue(_field, out var v) ? v : null);

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        var field = schema.Field(_field) ?? throw new DataException($"Unknown field: {_field}");
        return (field.Schema, value is null ? null : RequireStruct(value).Get(_field));
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : ExtractField
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : ExtractField
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
