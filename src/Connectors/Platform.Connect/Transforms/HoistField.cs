using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>HoistField$Key</c>/<c>$Value</c>: wraps the key or value in a struct (or map) with one field.</summary>
public abstract class HoistField : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("field", ConfigType.String, ConfigDef.NoDefault, Importance.Medium, "The field name of the wrapped value.", ConfigDef.Validators.NonEmptyString());

    private string _field = "";

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config) => _field = Definition.Parse(config).GetString("field")!;

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
        => (null, new Dictionary<string, object?>(StringComparer.Ordinal) { [_field] = value });

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        var wrapped = SchemaBuilder.Struct().Field(_field, schema).Build();
        return (wrapped, new Struct(wrapped).Put(_field, value));
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : HoistField
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : HoistField
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
