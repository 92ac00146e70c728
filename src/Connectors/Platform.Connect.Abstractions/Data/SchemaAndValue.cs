namespace Platform.Connect.Data;

/// <summary>A value with its schema (null schema: schemaless data, e.g. JSON maps).</summary>
/// <param name="Schema">The schema, or null.</param>
/// <param name="Value">The value: a primitive, byte[], a <see cref="Struct"/>, a list or a dictionary.</param>
public readonly record struct SchemaAndValue(Schema? Schema, object? Value)
{
    /// <summary>No schema, no value.</summary>
    public static SchemaAndValue Null => default;
}
