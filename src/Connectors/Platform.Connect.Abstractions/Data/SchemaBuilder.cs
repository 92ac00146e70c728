namespace Platform.Connect.Data;

/// <summary>Builds a <see cref="Schema"/>: <c>SchemaBuilder.Struct().Name("row").Field("id", Schema.Int64Schema).Build()</c>.</summary>
public sealed class SchemaBuilder
{
    private readonly SchemaType _type;
    private readonly List<Field> _fields = [];
    private readonly Dictionary<string, string> _parameters = [];
    private bool _optional;
    private object? _default;
    private string? _name;
    private int? _version;
    private string? _doc;
    private Schema? _keySchema;
    private Schema? _valueSchema;

    private SchemaBuilder(SchemaType type) => _type = type;

    /// <summary>A builder of <paramref name="type"/>.</summary>
    public static SchemaBuilder Type(SchemaType type) => new(type);

    /// <summary>int8.</summary>
    public static SchemaBuilder Int8() => new(SchemaType.Int8);

    /// <summary>int16.</summary>
    public static SchemaBuilder Int16() => new(SchemaType.Int16);

    /// <summary>int32.</summary>
    public static SchemaBuilder Int32() => new(SchemaType.Int32);

    /// <summary>int64.</summary>
    public static SchemaBuilder Int64() => new(SchemaType.Int64);

    /// <summary>float32.</summary>
    public static SchemaBuilder Float32() => new(SchemaType.Float32);

    /// <summary>float64.</summary>
    public static SchemaBuilder Float64() => new(SchemaType.Float64);

    /// <summary>boolean.</summary>
    public static SchemaBuilder Bool() => new(SchemaType.Boolean);

    /// <summary>string.</summary>
    public static SchemaBuilder String() => new(SchemaType.String);

    /// <summary>bytes.</summary>
    public static SchemaBuilder Bytes() => new(SchemaType.Bytes);

    /// <summary>A struct; add fields with <see cref="Field"/>.</summary>
    public static SchemaBuilder Struct() => new(SchemaType.Struct);

    /// <summary>An array of <paramref name="valueSchema"/>.</summary>
    public static SchemaBuilder Array(Schema valueSchema) => new(SchemaType.Array) { _valueSchema = valueSchema };

    /// <summary>A map from <paramref name="keySchema"/> to <paramref name="valueSchema"/>.</summary>
    public static SchemaBuilder Map(Schema keySchema, Schema valueSchema) => new(SchemaType.Map) { _keySchema = keySchema, _valueSchema = valueSchema };

    /// <summary>Null becomes a valid value.</summary>
    public SchemaBuilder Optional()
    {
        _optional = true;
        return this;
    }

    /// <summary>Sets the default value.</summary>
    public SchemaBuilder DefaultValue(object? value)
    {
        _default = value;
        return this;
    }

    /// <summary>Sets the name.</summary>
    public SchemaBuilder Name(string name)
    {
        _name = name;
        return this;
    }

    /// <summary>Sets the version.</summary>
    public SchemaBuilder Version(int version)
    {
        _version = version;
        return this;
    }

    /// <summary>Sets the documentation.</summary>
    public SchemaBuilder Doc(string doc)
    {
        _doc = doc;
        return this;
    }

    /// <summary>Adds a parameter.</summary>
    public SchemaBuilder Parameter(string name, string value)
    {
        _parameters[name] = value;
        return this;
    }

    /// <summary>Appends a field to a struct.</summary>
    /// <exception cref="InvalidOperationException">Not a struct, or the name is taken.</exception>
    public SchemaBuilder Field(string name, Schema schema)
    {
        if (_type != SchemaType.Struct)
        {
            throw new InvalidOperationException($"Cannot add field '{name}' to a {_type} schema.");
        }

        if (_fields.Exists(f => f.Name == name))
        {
            throw new InvalidOperationException($"Field '{name}' is already defined.");
        }

        _fields.Add(new Field(name, _fields.Count, schema));
        return this;
    }

    /// <summary>The immutable schema.</summary>
    public Schema Build() => new(_type, _optional, _default, _name, _version, _doc,
        _parameters.Count == 0 ? null : new Dictionary<string, string>(_parameters), _fields.ToArray(), _keySchema, _valueSchema);
}
