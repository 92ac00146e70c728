using System.Globalization;
using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>
/// Kafka's <c>MaskField$Key</c>/<c>$Value</c>: replaces <c>fields</c> with the empty value of their type (0, false,
/// "", empty list or map), or with <c>replacement</c> converted to the field's type.
/// </summary>
public abstract class MaskField : KeyOrValueTransformation
{
    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("fields", ConfigType.List, ConfigDef.NoDefault, Importance.High, "Fields to mask.",
            (_, v) => v is string[] { Length: > 0 } ? null : "at least one field is required")
        .Define("replacement", ConfigType.String, null, Importance.Low, "Replacement value; default the type's empty value.");

    private HashSet<string> _fields = [];
    private string? _replacement;

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        _fields = [.. parsed.GetList("fields")];
        _replacement = parsed.GetString("replacement");
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
    {
        var result = new Dictionary<string, object?>(RequireMap(value), StringComparer.Ordinal);
        foreach (var field in _fields.Where(result.ContainsKey))
        {
            result[field] = Masked(result[field]);
        }

        return (null, result);
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        var original = RequireStruct(value);
        var result = new Struct(schema);
        foreach (var field in schema.Fields)
        {
            var v = original.Get(field.Name);
            result.Put(field.Name, _fields.Contains(field.Name) ? Masked(v) : v);
        }

        return (schema, result);
    }

    private object? Masked(object? value)
    {
        if (_replacement is { } text && value is not null)
        {
            try
            {
                return value switch
                {
                    string => text,
                    sbyte => sbyte.Parse(text, CultureInfo.InvariantCulture),
                    short => short.Parse(text, CultureInfo.InvariantCulture),
                    int => int.Parse(text, CultureInfo.InvariantCulture),
                    long => long.Parse(text, CultureInfo.InvariantCulture),
                    float => float.Parse(text, CultureInfo.InvariantCulture),
                    double => double.Parse(text, CultureInfo.InvariantCulture),
                    decimal => decimal.Parse(text, CultureInfo.InvariantCulture),
                    _ => throw new DataException($"Cannot mask a {value.GetType().Name} with replacement '{text}'."),
                };
            }
            catch (FormatException e)
            {
                throw new DataException($"Replacement '{text}' is not a valid {value.GetType().Name}.", e);
            }
        }

        return value switch
        {
            null => null,
            string => "",
            bool => false,
            sbyte => (sbyte)0,
            short => (short)0,
            int => 0,
            long => 0L,
            float => 0f,
            double => 0d,
            decimal => 0m,
            byte[] => Array.Empty<byte>(),
            DateTime => DateTime.UnixEpoch,
            System.Collections.IDictionary => new Dictionary<string, object?>(),
            System.Collections.IList => new List<object?>(),
            _ => throw new DataException($"Cannot mask a value of type {value.GetType().Name}."),
        };
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : MaskField
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : MaskField
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
