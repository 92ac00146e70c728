namespace Platform.Connect.Data;

/// <summary>
/// A Kafka Connect schema: a type, optional or not, with a name and version for logical types
/// (<c>org.apache.kafka.connect.data.Timestamp</c>, <c>Decimal</c>, ...) and, for structs, ordered fields.
/// Build them with <see cref="SchemaBuilder"/>; instances are immutable.
/// </summary>
public sealed class Schema
{
    internal Schema(
        SchemaType type, bool isOptional, object? defaultValue, string? name, int? version, string? doc,
        IReadOnlyDictionary<string, string>? parameters, IReadOnlyList<Field>? fields, Schema? keySchema, Schema? valueSchema)
    {
        Type = type;
        IsOptional = isOptional;
        DefaultValue = defaultValue;
        Name = name;
        Version = version;
        Doc = doc;
        Parameters = parameters ?? new Dictionary<string, string>();
        Fields = fields ?? [];
        KeySchema = keySchema;
        ValueSchema = valueSchema;
    }

    /// <summary>The type.</summary>
    public SchemaType Type { get; }

    /// <summary>Whether null is a valid value.</summary>
    public bool IsOptional { get; }

    /// <summary>The value used when a field is missing.</summary>
    public object? DefaultValue { get; }

    /// <summary>The schema's name (logical types and structs), or null.</summary>
    public string? Name { get; }

    /// <summary>The schema's version, or null.</summary>
    public int? Version { get; }

    /// <summary>Documentation, or null.</summary>
    public string? Doc { get; }

    /// <summary>Extra parameters (e.g. a decimal's <c>scale</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>The fields of a struct, in order; empty for other types.</summary>
    public IReadOnlyList<Field> Fields { get; }

    /// <summary>The key schema of a map.</summary>
    public Schema? KeySchema { get; }

    /// <summary>The element schema of an array or the value schema of a map.</summary>
    public Schema? ValueSchema { get; }

    /// <summary>The field called <paramref name="name"/>, or null.</summary>
    public Field? Field(string name)
    {
        foreach (var field in Fields)
        {
            if (field.Name == name)
            {
                return field;
            }
        }

        return null;
    }

#pragma warning disable CA1720, CA1707 // Kafka Connect's names for its predefined schemas.
    /// <summary>Required int8.</summary>
    public static readonly Schema Int8Schema = SchemaBuilder.Int8().Build();
    /// <summary>Required int16.</summary>
    public static readonly Schema Int16Schema = SchemaBuilder.Int16().Build();
    /// <summary>Required int32.</summary>
    public static readonly Schema Int32Schema = SchemaBuilder.Int32().Build();
    /// <summary>Required int64.</summary>
    public static readonly Schema Int64Schema = SchemaBuilder.Int64().Build();
    /// <summary>Required float32.</summary>
    public static readonly Schema Float32Schema = SchemaBuilder.Float32().Build();
    /// <summary>Required float64.</summary>
    public static readonly Schema Float64Schema = SchemaBuilder.Float64().Build();
    /// <summary>Required boolean.</summary>
    public static readonly Schema BooleanSchema = SchemaBuilder.Bool().Build();
    /// <summary>Required string.</summary>
    public static readonly Schema StringSchema = SchemaBuilder.String().Build();
    /// <summary>Required bytes.</summary>
    public static readonly Schema BytesSchema = SchemaBuilder.Bytes().Build();
    /// <summary>Optional int32.</summary>
    public static readonly Schema OptionalInt32Schema = SchemaBuilder.Int32().Optional().Build();
    /// <summary>Optional int64.</summary>
    public static readonly Schema OptionalInt64Schema = SchemaBuilder.Int64().Optional().Build();
    /// <summary>Optional float64.</summary>
    public static readonly Schema OptionalFloat64Schema = SchemaBuilder.Float64().Optional().Build();
    /// <summary>Optional boolean.</summary>
    public static readonly Schema OptionalBooleanSchema = SchemaBuilder.Bool().Optional().Build();
    /// <summary>Optional string.</summary>
    public static readonly Schema OptionalStringSchema = SchemaBuilder.String().Optional().Build();
    /// <summary>Optional bytes.</summary>
    public static readonly Schema OptionalBytesSchema = SchemaBuilder.Bytes().Optional().Build();
#pragma warning restore CA1720, CA1707

    /// <inheritdoc/>
    public override string ToString() => Name is null ? $"Schema{{{Type}}}" : $"Schema{{{Name}:{Type}}}";
}
