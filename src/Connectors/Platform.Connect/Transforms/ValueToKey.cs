using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>ValueToKey</c>: the key becomes a struct (or map) of some of the value's fields.</summary>
public sealed class ValueToKey : ITransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("fields", ConfigType.List, ConfigDef.NoDefault, Importance.High, "Value fields that make up the key.",
            (_, v) => v is string[] { Length: > 0 } ? null : "at least one field is required");

    private IReadOnlyList<string> _fields = [];

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config) => _fields = Definition.Parse(config).GetList("fields");

    /// <inheritdoc/>
    public ConnectRecord? Apply(ConnectRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.ValueSchema is null)
        {
            var map = record.Value as IDictionary<string, object?>
                ?? throw new DataException($"Only Map objects supported in absence of schema for [ValueToKey], found: {record.Value?.GetType().Name ?? "null"}");
            var key = _fields.ToDictionary(f => f, f => map.TryGetValue(f, out var v) ? v : null, StringComparer.Ordinal);
            return record.WithKeyValue(null, key, null, record.Value);
        }

        var value = record.Value as Struct ?? throw new DataException("Only Struct objects supported for [ValueToKey]");
        var builder = SchemaBuilder.Struct();
        foreach (var name in _fields)
        {
            builder.Field(name, (record.ValueSchema.Field(name) ?? throw new DataException($"Field does not exist: {name}")).Schema);
        }

        var keySchema = builder.Build();
        var keyStruct = new Struct(keySchema);
        foreach (var name in _fields)
        {
            keyStruct.Put(name, value.Get(name));
        }

        return record.WithKeyValue(keySchema, keyStruct, record.ValueSchema, record.Value);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
