using System.Text.Json.Nodes;
using Platform.Connect.Data;

namespace Platform.Connect.Converters;

/// <summary>
/// Kafka's JSON form of a Connect schema (<c>{"type":"struct","fields":[{"field":"id","type":"int64","optional":false}]}</c>),
/// both ways, as the JsonConverter writes it in the <c>schema</c> half of its envelope.
/// </summary>
internal static class JsonSchemaCodec
{
    public static JsonObject ToJson(Schema schema)
    {
        var json = new JsonObject { ["type"] = TypeName(schema.Type) };
        switch (schema.Type)
        {
            case SchemaType.Struct:
                var fields = new JsonArray();
                foreach (var field in schema.Fields)
                {
                    var f = ToJson(field.Schema);
                    f["field"] = field.Name;
                    fields.Add((JsonNode)f);
                }

                json["fields"] = fields;
                break;
            case SchemaType.Array:
                json["items"] = ToJson(schema.ValueSchema!);
                break;
            case SchemaType.Map:
                json["keys"] = ToJson(schema.KeySchema!);
                json["values"] = ToJson(schema.ValueSchema!);
                break;
        }

        json["optional"] = schema.IsOptional;
        if (schema.Name is not null)
        {
            json["name"] = schema.Name;
        }

        if (schema.Version is { } version)
        {
            json["version"] = version;
        }

        if (schema.Doc is not null)
        {
            json["doc"] = schema.Doc;
        }

        if (schema.Parameters.Count > 0)
        {
            var parameters = new JsonObject();
            foreach (var (key, value) in schema.Parameters)
            {
                parameters[key] = value;
            }

            json["parameters"] = parameters;
        }

        if (schema.DefaultValue is not null)
        {
            json["default"] = JsonValues.ToJson(schema, schema.DefaultValue);
        }

        return json;
    }

    public static Schema FromJson(JsonNode? node)
    {
        if (node is not JsonObject json)
        {
            throw new DataException("A schema must be a JSON object with a \"type\".");
        }

        var typeName = json["type"]?.GetValue<string>() ?? throw new DataException("Schema has no \"type\".");
        var type = ParseType(typeName);
        SchemaBuilder builder = type switch
        {
            SchemaType.Array => SchemaBuilder.Array(FromJson(json["items"] ?? throw new DataException("Array schema has no \"items\"."))),
            SchemaType.Map => SchemaBuilder.Map(
                FromJson(json["keys"] ?? throw new DataException("Map schema has no \"keys\".")),
                FromJson(json["values"] ?? throw new DataException("Map schema has no \"values\"."))),
            _ => SchemaBuilder.Type(type),
        };
        if (type == SchemaType.Struct)
        {
            foreach (var field in json["fields"]?.AsArray() ?? [])
            {
                var name = field?["field"]?.GetValue<string>() ?? throw new DataException("Struct schema field has no \"field\" name.");
                builder.Field(name, FromJson(field));
            }
        }

        if (json["optional"]?.GetValue<bool>() == true)
        {
            builder.Optional();
        }

        if (json["name"]?.GetValue<string>() is { } schemaName)
        {
            builder.Name(schemaName);
        }

        if (json["version"]?.GetValue<int>() is { } version)
        {
            builder.Version(version);
        }

        if (json["doc"]?.GetValue<string>() is { } doc)
        {
            builder.Doc(doc);
        }

        if (json["parameters"] is JsonObject parameters)
        {
            foreach (var (key, value) in parameters)
            {
                builder.Parameter(key, value?.ToString() ?? "");
            }
        }

        var schema = builder.Build();
        if (json["default"] is { } defaultNode)
        {
            builder.DefaultValue(JsonValues.FromJson(schema, defaultNode));
            schema = builder.Build();
        }

        return schema;
    }

    private static string TypeName(SchemaType type) => type switch
    {
        SchemaType.Int8 => "int8",
        SchemaType.Int16 => "int16",
        SchemaType.Int32 => "int32",
        SchemaType.Int64 => "int64",
        SchemaType.Float32 => "float",
        SchemaType.Float64 => "double",
        SchemaType.Boolean => "boolean",
        SchemaType.String => "string",
        SchemaType.Bytes => "bytes",
        SchemaType.Array => "array",
        SchemaType.Map => "map",
        _ => "struct",
    };

    private static SchemaType ParseType(string name) => name switch
    {
        "int8" => SchemaType.Int8,
        "int16" => SchemaType.Int16,
        "int32" => SchemaType.Int32,
        "int64" => SchemaType.Int64,
        "float" or "float32" => SchemaType.Float32,
        "double" or "float64" => SchemaType.Float64,
        "boolean" => SchemaType.Boolean,
        "string" => SchemaType.String,
        "bytes" => SchemaType.Bytes,
        "array" => SchemaType.Array,
        "map" => SchemaType.Map,
        "struct" => SchemaType.Struct,
        _ => throw new DataException($"Unknown schema type \"{name}\"."),
    };
}
