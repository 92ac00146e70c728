using System.Globalization;
using System.Text.Json;

namespace Platform.Protocol.Generator;

/// <summary>Reads Kafka's JSON message specs (JSON with comments) into <see cref="MessageSpec"/>s.</summary>
internal static class SpecLoader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static MessageSpec Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), Options);
        var root = document.RootElement;
        var structs = new List<StructSpec>();
        var known = new HashSet<string>(StringComparer.Ordinal);

        if (root.TryGetProperty("commonStructs", out var common))
        {
            foreach (var element in common.EnumerateArray())
            {
                var name = element.GetProperty("name").GetString()!;
                AddStruct(structs, known, name, ParseFields(element.GetProperty("fields"), structs, known));
            }
        }

        var fields = ParseFields(root.GetProperty("fields"), structs, known);
        short? apiKey = root.TryGetProperty("apiKey", out var key) ? key.GetInt16() : null;
        return new MessageSpec(
            root.GetProperty("name").GetString()!,
            root.GetProperty("type").GetString()!,
            apiKey,
            VersionRange.Parse(root.GetProperty("validVersions").GetString()),
            VersionRange.Parse(root.TryGetProperty("flexibleVersions", out var flexible) ? flexible.GetString() : "none"),
            fields,
            structs);
    }

    private static void AddStruct(List<StructSpec> structs, HashSet<string> known, string name, List<FieldSpec> fields)
    {
        // A struct may be defined once and referenced by name elsewhere; later definitions repeat the first.
        if (known.Add(name))
        {
            structs.Add(new StructSpec(name, fields));
        }
    }

    private static List<FieldSpec> ParseFields(JsonElement array, List<StructSpec> structs, HashSet<string> known)
    {
        var fields = new List<FieldSpec>();
        foreach (var element in array.EnumerateArray())
        {
            fields.Add(ParseField(element, structs, known));
        }

        return fields;
    }

    private static FieldSpec ParseField(JsonElement element, List<StructSpec> structs, HashSet<string> known)
    {
        // A few specs spell field names in camelCase (CreateTopics' timeoutMs); C# properties are PascalCase.
        var specName = element.GetProperty("name").GetString()!;
        var name = char.ToUpperInvariant(specName[0]) + specName[1..];
        var type = element.GetProperty("type").GetString()!;
        var isArray = type.StartsWith("[]", StringComparison.Ordinal);
        var elementType = isArray ? type[2..] : type;
        var kind = ParseKind(elementType);
        string? structName = null;
        if (kind == FieldKind.Struct)
        {
            structName = elementType;
            if (element.TryGetProperty("fields", out var nested))
            {
                // Parse children first so that nested structs come before their parent in the file.
                var nestedFields = ParseFields(nested, structs, known);
                AddStruct(structs, known, structName, nestedFields);
            }
        }

        return new FieldSpec(
            name,
            kind,
            isArray,
            structName,
            VersionRange.Parse(Text(element, "versions")),
            VersionRange.Parse(Text(element, "nullableVersions")),
            VersionRange.Parse(Text(element, "taggedVersions")),
            Text(element, "tag") is { } tag ? int.Parse(tag, CultureInfo.InvariantCulture) : null,
            element.TryGetProperty("ignorable", out var ignorable) && ignorable.GetBoolean(),
            Text(element, "default"),
            element.TryGetProperty("flexibleVersions", out var flexible) ? VersionRange.Parse(flexible.GetString()) : null);
    }

    private static string? Text(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new InvalidDataException($"Unexpected JSON value for '{property}': {value.GetRawText()}"),
        };
    }

    private static FieldKind ParseKind(string type) => type switch
    {
        "bool" => FieldKind.Bool,
        "int8" => FieldKind.Int8,
        "int16" => FieldKind.Int16,
        "uint16" => FieldKind.UInt16,
        "int32" => FieldKind.Int32,
        "uint32" => FieldKind.UInt32,
        "int64" => FieldKind.Int64,
        "float64" => FieldKind.Float64,
        "string" => FieldKind.String,
        "bytes" => FieldKind.Bytes,
        "records" => FieldKind.Records,
        "uuid" => FieldKind.Uuid,
        _ when char.IsUpper(type[0]) => FieldKind.Struct,
        _ => throw new InvalidDataException($"Unknown field type '{type}'."),
    };

    /// <summary>Parses a numeric default ("-1", "0x7fffffff") into invariant decimal text.</summary>
    public static string NumericDefault(string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }

        return text.Length == 0 ? "0" : text;
    }
}
