using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>ReplaceField$Key</c>/<c>$Value</c>: keeps only <c>include</c> fields, drops <c>exclude</c> fields, renames with <c>renames</c> (<c>old:new,...</c>).</summary>
public abstract class ReplaceField : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("include", ConfigType.List, Array.Empty<string>(), Importance.Medium, "Fields to keep; empty keeps all.")
        .Define("exclude", ConfigType.List, Array.Empty<string>(), Importance.Medium, "Fields to drop (wins over include).")
        .Define("renames", ConfigType.List, Array.Empty<string>(), Importance.Medium, "Renames as old:new pairs.",
            (_, v) => v is string[] pairs && pairs.Any(p => p.Split(':') is not [{ Length: > 0 }, { Length: > 0 }]) ? "each entry must be old:new" : null);

    private HashSet<string> _include = [];
    private HashSet<string> _exclude = [];
    private Dictionary<string, string> _renames = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _include = [.. parsed.GetList("include")];
        _exclude = [.. parsed.GetList("exclude")];
        _renames = parsed.GetList("renames").Select(p => p.Split(':')).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
    }

    private bool Keeps(string field) => !_exclude.Contains(field) && (_include.Count == 0 || _include.Contains(field));

    private string Renamed(string field) => _renames.GetValueOrDefault(field, field);

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
    {
        if (value is null)
        {
            return (null, null);
        }

        return (null, RequireMap(value).Where(kv => Keeps(kv.Key)).ToDictionary(kv => Renamed(kv.Key), kv => kv.Value, StringComparer.Ordinal));
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        var builder = CopyStructShell(schema);
        foreach (var field in schema.Fields.Where(f => Keeps(f.Name)))
        {
            builder.Field(Renamed(field.Name), field.Schema);
        }

        var newSchema = builder.Build();
        if (value is null)
        {
            return (newSchema, null);
        }

        var original = RequireStruct(value);
        var result = new Struct(newSchema);
        foreach (var field in schema.Fields.Where(f => Keeps(f.Name)))
        {
            result.Put(Renamed(field.Name), original.Get(field.Name));
        }

        return (newSchema, result);
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : ReplaceField
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : ReplaceField
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
