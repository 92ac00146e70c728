using System.Globalization;
using Platform.Connect.Config;
using Platform.Connect.Data;

namespace Platform.Connect.Transforms;

/// <summary>
/// Kafka's <c>Cast$Key</c>/<c>$Value</c>: <c>spec</c> is <c>field:type,...</c>, or one type for the whole key or
/// value; types are int8, int16, int32, int64, float32, float64, boolean and string.
/// </summary>
public abstract class Cast : KeyOrValueTransformation
{
    private static readonly string[] Types = ["int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"];

    private static readonly ConfigDef Definition = new ConfigDef()
        .Define("spec", ConfigType.List, ConfigDef.NoDefault, Importance.High, "field:type pairs, or a single type for the whole key or value.", ValidSpec);

    private Dictionary<string, SchemaType> _casts = [];
    private SchemaType? _whole;

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override void Configure(IReadOnlyDictionary<string, string> config)
    {
        var spec = Definition.Parse(config).GetList("spec");
        if (spec is [var single] && !single.Contains(':', StringComparison.Ordinal))
        {
            _whole = Parse(single);
            return;
        }

        _casts = spec.Select(s => s.Split(':')).ToDictionary(p => p[0].Trim(), p => Parse(p[1]), StringComparer.Ordinal);
    }

    private static string? ValidSpec(string key, object? value)
    {
        if (value is not string[] { Length: > 0 } spec)
        {
            return "at least one cast is required";
        }

        if (spec is [var single] && !single.Contains(':', StringComparison.Ordinal))
        {
            return Types.Contains(single.Trim()) ? null : $"'{single}' is not one of {string.Join(", ", Types)}";
        }

        foreach (var entry in spec)
        {
            if (entry.Split(':') is not [{ Length: > 0 }, var type] || !Types.Contains(type.Trim()))
            {
                return $"'{entry}' is not field:type with a type of {string.Join(", ", Types)}";
            }
        }

        return null;
    }

    private static SchemaType Parse(string type) => type.Trim() switch
    {
        "int8" => SchemaType.Int8,
        "int16" => SchemaType.Int16,
        "int32" => SchemaType.Int32,
        "int64" => SchemaType.Int64,
        "float32" => SchemaType.Float32,
        "float64" => SchemaType.Float64,
        "boolean" => SchemaType.Boolean,
        _ => SchemaType.String,
    };

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplySchemaless(ConnectRecord record, object? value)
    {
        if (_whole is { } type)
        {
            return (null, CastValue(value, type));
        }

        var result = new Dictionary<string, object?>(RequireMap(value), StringComparer.Ordinal);
        foreach (var (field, target) in _casts)
        {
            if (result.TryGetValue(field, out var v))
            {
                result[field] = CastValue(v, target);
            }
        }

        return (null, result);
    }

    /// <inheritdoc/>
    protected override (Schema? Schema, object? Value) ApplyWithSchema(ConnectRecord record, Schema schema, object? value)
    {
        if (_whole is { } type)
        {
            return (WithType(schema, type), CastValue(value, type));
        }

        var original = RequireStruct(value);
        var builder = CopyStructShell(schema);
        foreach (var field in schema.Fields)
        {
            builder.Field(field.Name, _casts.TryGetValue(field.Name, out var target) ? WithType(field.Schema, target) : field.Schema);
        }

        var result = new Struct(builder.Build());
        foreach (var field in schema.Fields)
        {
            var v = original.Get(field.Name);
            result.Put(field.Name, _casts.TryGetValue(field.Name, out var target) ? CastValue(v, target) : v);
        }

        return (result.Schema, result);
    }

    private static Schema WithType(Schema schema, SchemaType type)
    {
        var builder = SchemaBuilder.Type(type);
        return schema.IsOptional ? builder.Optional().Build() : builder.Build();
    }

    /// <summary>Casts a primitive; <see cref="DataException"/> when it does not fit.</summary>
    public static object? CastValue(object? value, SchemaType type)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            if (value is bool b && type != SchemaType.String && type != SchemaType.Boolean)
            {
                value = b ? 1 : 0;
            }

            var inv = CultureInfo.InvariantCulture;
            return type switch
            {
                SchemaType.Int8 => Convert.ToSByte(value, inv),
                SchemaType.Int16 => Convert.ToInt16(value, inv),
                SchemaType.Int32 => Convert.ToInt32(value, inv),
                SchemaType.Int64 => Convert.ToInt64(value, inv),
                SchemaType.Float32 => Convert.ToSingle(value, inv),
                SchemaType.Float64 => Convert.ToDouble(value, inv),
                SchemaType.Boolean => value is string s ? bool.Parse(s) : Convert.ToDouble(value, inv) != 0,
                _ => value is IFormattable f ? f.ToString(null, inv) : value.ToString(),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new DataException($"Cannot cast '{value}' ({value.GetType().Name}) to {type.ToString().ToLowerInvariant()}.", e);
        }
    }

    /// <summary>Works on the key.</summary>
    public sealed class Key : Cast
    {
        /// <inheritdoc/>
        protected override bool IsKey => true;
    }

    /// <summary>Works on the value.</summary>
    public sealed class Value : Cast
    {
        /// <inheritdoc/>
        protected override bool IsKey => false;
    }
}
