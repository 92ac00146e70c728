using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Connect.Data;
using ConnectDate = Platform.Connect.Data.Date;
using ConnectDecimal = Platform.Connect.Data.Decimal;
using ConnectTime = Platform.Connect.Data.Time;
using ConnectTimestamp = Platform.Connect.Data.Timestamp;

namespace Platform.Connect.Converters;

/// <summary>
/// Connect values to JSON nodes and back. With a schema the schema decides (logical types included: a Timestamp is
/// epoch milliseconds, a Decimal base64 of the unscaled bytes, as Kafka's JsonConverter writes them); without one,
/// objects become <c>Dictionary&lt;string, object?&gt;</c>, arrays <c>List&lt;object?&gt;</c>, integral numbers long.
/// </summary>
public static class JsonValues
{
    /// <summary>The JSON of <paramref name="value"/>, shaped by <paramref name="schema"/> when given.</summary>
    /// <exception cref="DataException">The value does not fit the schema.</exception>
    public static JsonNode? ToJson(Schema? schema, object? value)
    {
        if (value is null)
        {
            if (schema is { IsOptional: false, DefaultValue: null })
            {
                throw new DataException($"Conversion error: null value for a required {schema}.");
            }

            return schema?.DefaultValue is { } d ? ToJson(schema, d) : null;
        }

        if (schema is null)
        {
            return Schemaless(value);
        }

        switch (schema.Name)
        {
            case ConnectTimestamp.LogicalName when value is DateTime ts:
                return JsonValue.Create(ConnectTimestamp.FromLogical(ts));
            case ConnectTimestamp.LogicalName when value is DateTimeOffset tso:
                return JsonValue.Create(tso.ToUnixTimeMilliseconds());
            case ConnectDate.LogicalName when value is DateTime date:
                return JsonValue.Create(ConnectDate.FromLogical(date));
            case ConnectTime.LogicalName when value is TimeSpan time:
                return JsonValue.Create(ConnectTime.FromLogical(time));
            case ConnectDecimal.LogicalName when value is decimal dec:
                return JsonValue.Create(Convert.ToBase64String(ConnectDecimal.FromLogical(ConnectDecimal.Scale(schema), dec)));
        }

        try
        {
            return schema.Type switch
            {
                SchemaType.Int8 or SchemaType.Int16 or SchemaType.Int32 or SchemaType.Int64 => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
                SchemaType.Float32 or SchemaType.Float64 => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
                SchemaType.Boolean => JsonValue.Create((bool)value),
                SchemaType.String => JsonValue.Create((string)value),
                SchemaType.Bytes => JsonValue.Create(Convert.ToBase64String(value is ReadOnlyMemory<byte> m ? m.ToArray() : (byte[])value)),
                SchemaType.Array => new JsonArray([.. ((IEnumerable)value).Cast<object?>().Select(v => ToJson(schema.ValueSchema, v))]),
                SchemaType.Map => MapToJson(schema, value),
                _ => StructToJson(schema, value),
            };
        }
        catch (InvalidCastException e)
        {
            throw new DataException($"Conversion error: {value.GetType().Name} value does not fit {schema}.", e);
        }
    }

    /// <summary>The Connect value of <paramref name="node"/>, shaped by <paramref name="schema"/> when given.</summary>
    /// <exception cref="DataException">The JSON does not fit the schema.</exception>
    public static object? FromJson(Schema? schema, JsonNode? node)
    {
        if (node is null)
        {
            if (schema is null || schema.IsOptional)
            {
                return null;
            }

            return schema.DefaultValue ?? throw new DataException($"Invalid null value for required {schema}.");
        }

        if (schema is null)
        {
            return Schemaless(node);
        }

        try
        {
            switch (schema.Name)
            {
                case ConnectTimestamp.LogicalName:
                    return ConnectTimestamp.ToLogical(node.GetValue<long>());
                case ConnectDate.LogicalName:
                    return ConnectDate.ToLogical(node.GetValue<int>());
                case ConnectTime.LogicalName:
                    return ConnectTime.ToLogical(node.GetValue<int>());
                case ConnectDecimal.LogicalName:
                    return node.GetValueKind() == JsonValueKind.Number
                        ? node.GetValue<decimal>()
                        : ConnectDecimal.ToLogical(ConnectDecimal.Scale(schema), Convert.FromBase64String(node.GetValue<string>()));
            }

            return schema.Type switch
            {
                SchemaType.Int8 => (object)node.GetValue<sbyte>(),
                SchemaType.Int16 => node.GetValue<short>(),
                SchemaType.Int32 => node.GetValue<int>(),
                SchemaType.Int64 => node.GetValue<long>(),
                SchemaType.Float32 => (float)Finite(node.GetValue<float>(), node),
                SchemaType.Float64 => Finite(node.GetValue<double>(), node),
                SchemaType.Boolean => node.GetValue<bool>(),
                SchemaType.String => node.GetValue<string>(),
                SchemaType.Bytes => Convert.FromBase64String(node.GetValue<string>()),
                SchemaType.Array => node.AsArray().Select(n => FromJson(schema.ValueSchema, n)).ToList(),
                SchemaType.Map => MapFromJson(schema, node),
                _ => StructFromJson(schema, node),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new DataException($"Invalid JSON {node.ToJsonString()} for {schema}: {e.Message}", e);
        }
    }

    private static JsonNode MapToJson(Schema schema, object value)
    {
        var dictionary = (IDictionary)value;
        if (schema.KeySchema!.Type == SchemaType.String)
        {
            var obj = new JsonObject();
            foreach (DictionaryEntry entry in dictionary)
            {
                obj[(string)entry.Key] = ToJson(schema.ValueSchema, entry.Value);
            }

            return obj;
        }

        // Kafka writes maps with non-string keys as an array of [key, value] pairs.
        var pairs = new JsonArray();
        foreach (DictionaryEntry entry in dictionary)
        {
            pairs.Add((JsonNode)new JsonArray(ToJson(schema.KeySchema, entry.Key), ToJson(schema.ValueSchema, entry.Value)));
        }

        return pairs;
    }

    private static Dictionary<object, object?> MapFromJson(Schema schema, JsonNode node)
    {
        var result = new Dictionary<object, object?>();
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                result[key] = FromJson(schema.ValueSchema, value);
            }

            return result;
        }

        foreach (var pair in node.AsArray())
        {
            result[FromJson(schema.KeySchema, pair![0])!] = FromJson(schema.ValueSchema, pair[1]);
        }

        return result;
    }

    private static JsonObject StructToJson(Schema schema, object value)
    {
        if (value is not Struct s)
        {
            throw new DataException($"Conversion error: a {value.GetType().Name} is not a Struct of {schema}.");
        }

        var obj = new JsonObject();
        foreach (var field in schema.Fields)
        {
            obj[field.Name] = ToJson(field.Schema, s.Get(field.Name));
        }

        return obj;
    }

    private static Struct StructFromJson(Schema schema, JsonNode node)
    {
        var result = new Struct(schema);
        var obj = node.AsObject();
        foreach (var field in schema.Fields)
        {
            result.Put(field.Name, FromJson(field.Schema, obj[field.Name]));
        }

        return result;
    }

    private static JsonNode? Schemaless(object value) => value switch
    {
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        sbyte or short or int or long or byte or ushort or uint => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        float or double => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        decimal m => JsonValue.Create(m),
        DateTime dt => JsonValue.Create(dt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset dto => JsonValue.Create(dto.ToString("O", CultureInfo.InvariantCulture)),
        TimeSpan ts => JsonValue.Create(ts.ToString("c", CultureInfo.InvariantCulture)),
        Guid g => JsonValue.Create(g.ToString()),
        Struct st => StructToJson(st.Schema, st),
        IDictionary dictionary => SchemalessMap(dictionary),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(v => v is null ? null : Schemaless(v))]),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonObject SchemalessMap(IDictionary dictionary)
    {
        var obj = new JsonObject();
        foreach (DictionaryEntry entry in dictionary)
        {
            obj[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = entry.Value is null ? null : Schemaless(entry.Value);
        }

        return obj;
    }

    /// <summary><paramref name="value"/>, read from <paramref name="node"/>, unless the number was out of its type's range (read as infinity).</summary>
    private static double Finite(double value, JsonNode node)
        => double.IsFinite(value) ? value : throw new DataException($"Invalid JSON {node.ToJsonString()}: the number is out of range.");

    private static object? Schemaless(JsonNode node) => node switch
    {
        JsonObject obj => obj.ToDictionary(kv => kv.Key, kv => kv.Value is null ? null : Schemaless(kv.Value), StringComparer.Ordinal) as IDictionary<string, object?>,
        JsonArray array => array.Select(n => n is null ? null : Schemaless(n)).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => node.GetValue<JsonElement>() is var number && number.TryGetInt64(out var l) ? (object)l : Finite(number.GetDouble(), node),
            _ => null,
        },
    };
}
