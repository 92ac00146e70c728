namespace Platform.Connect.Data;

/// <summary>A value of a struct schema: one slot per field, checked against the field's type.</summary>
public sealed class Struct
{
    private readonly object?[] _values;

    /// <summary>An empty struct of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentException">The schema is not a struct.</exception>
    public Struct(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.Type != SchemaType.Struct)
        {
            throw new ArgumentException($"A Struct needs a struct schema, not {schema.Type}.", nameof(schema));
        }

        Schema = schema;
        _values = new object?[schema.Fields.Count];
    }

    /// <summary>The struct's schema.</summary>
    public Schema Schema { get; }

    /// <summary>The value of <paramref name="fieldName"/> (its default when unset).</summary>
    /// <exception cref="DataException">No such field.</exception>
    public object? Get(string fieldName)
    {
        var field = Lookup(fieldName);
        return _values[field.Index] ?? field.Schema.DefaultValue;
    }

    /// <summary>Sets <paramref name="fieldName"/> and returns this struct.</summary>
    /// <exception cref="DataException">No such field, or null for a required field.</exception>
    public Struct Put(string fieldName, object? value)
    {
        var field = Lookup(fieldName);
        if (value is null && !field.Schema.IsOptional && field.Schema.DefaultValue is null)
        {
            throw new DataException($"Field '{fieldName}' is not optional; null is not allowed.");
        }

        _values[field.Index] = value;
        return this;
    }

    /// <summary>Checks that every required field has a value.</summary>
    /// <exception cref="DataException">A required field is missing.</exception>
    public void Validate()
    {
        foreach (var field in Schema.Fields)
        {
            if (_values[field.Index] is null && !field.Schema.IsOptional && field.Schema.DefaultValue is null)
            {
                throw new DataException($"Required field '{field.Name}' has no value.");
            }
        }
    }

    private Field Lookup(string fieldName)
        => Schema.Field(fieldName) ?? throw new DataException($"'{fieldName}' is not a field of {Schema}.");

    /// <inheritdoc/>
    public override string ToString()
        => "Struct{" + string.Join(",", Schema.Fields.Select(f => $"{f.Name}={_values[f.Index]}")) + "}";
}
