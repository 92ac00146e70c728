namespace Platform.Protocol.Generator;

/// <summary>C# types, defaults and default checks for spec fields.</summary>
internal static class Types
{
    public static string Element(FieldSpec field, NameMap names) => field.Kind switch
    {
        FieldKind.Bool => "bool",
        FieldKind.Int8 => "sbyte",
        FieldKind.Int16 => "short",
        FieldKind.UInt16 => "ushort",
        FieldKind.Int32 => "int",
        FieldKind.UInt32 => "uint",
        FieldKind.Int64 => "long",
        FieldKind.Float64 => "double",
        FieldKind.String => "string",
        FieldKind.Bytes => "byte[]",
        FieldKind.Records => "Records",
        FieldKind.Uuid => "Guid",
        FieldKind.Struct => names.Class(field.StructName!),
        _ => throw new InvalidOperationException(field.Kind.ToString()),
    };

    public static bool IsReference(FieldSpec field)
        => field.IsArray || field.Kind is FieldKind.String or FieldKind.Bytes or FieldKind.Records or FieldKind.Struct;

    public static string Property(FieldSpec field, NameMap names)
    {
        var element = Element(field, names);
        if (field.IsArray)
        {
            return $"List<{element}>" + (field.IsNullableType ? "?" : "");
        }

        if (field.Kind == FieldKind.Records)
        {
            return "Records?";
        }

        return IsReference(field) && field.IsNullableType ? element + "?" : element;
    }

    /// <summary>The property initializer, or null when the C# default already matches the spec's.</summary>
    public static string? Initializer(FieldSpec field)
    {
        if (field.IsArray)
        {
            return field.DefaultsToNull ? null : "new()";
        }

        switch (field.Kind)
        {
            case FieldKind.Records:
            case FieldKind.Uuid:
                return null;
            case FieldKind.String:
                return field.DefaultsToNull ? null : Quote(field.Default ?? "");
            case FieldKind.Bytes:
                return field.DefaultsToNull ? null : "Array.Empty<byte>()";
            case FieldKind.Struct:
                return field.DefaultsToNull ? null : "new()";
            case FieldKind.Bool:
                return field.Default == "true" ? "true" : null;
            default:
                var literal = Literal(field);
                return literal == "0" ? null : literal;
        }
    }

    /// <summary>The spec default of a numeric field as a C# literal.</summary>
    public static string Literal(FieldSpec field)
    {
        var text = SpecLoader.NumericDefault(field.Default ?? "0");
        return field.Kind switch
        {
            FieldKind.Int64 => text + "L",
            FieldKind.Float64 => text.Contains('.', StringComparison.Ordinal) ? text : text + "d",
            FieldKind.UInt32 => text + "u",
            _ => text,
        };
    }

    /// <summary>A C# condition that holds when <paramref name="value"/> differs from the field's default.</summary>
    public static string NonDefault(FieldSpec field, string value)
    {
        if (field.IsArray)
        {
            return field.DefaultsToNull ? $"{value} is not null" : $"{value} is not {{ Count: 0 }}";
        }

        return field.Kind switch
        {
            FieldKind.Bool => field.Default == "true" ? $"!{value}" : value,
            FieldKind.Uuid => $"{value} != Guid.Empty",
            FieldKind.Records => $"{value} is not null",
            FieldKind.String => field.DefaultsToNull ? $"{value} is not null" : $"{value} != {Quote(field.Default ?? "")}",
            FieldKind.Bytes => field.DefaultsToNull ? $"{value} is not null" : $"{value} is not {{ Length: 0 }}",
            FieldKind.Struct => field.DefaultsToNull ? $"{value} is not null" : $"({value} is null || !{value}.HasDefaultValues())",
            _ => $"{value} != {Literal(field)}",
        };
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
