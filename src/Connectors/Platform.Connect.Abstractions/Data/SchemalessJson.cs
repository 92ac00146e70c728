using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Connect.Data;

/// <summary>
/// Maps JSON to Connect's schemaless values and back, for connectors that read or write JSON themselves
/// (files, HTTP). Objects become <see cref="Dictionary{TKey,TValue}"/> of string to object, arrays
/// <see cref="List{T}"/>, integers <see cref="long"/> (or <see cref="double"/> beyond its range), other numbers
/// <see cref="double"/>. Writing accepts those plus <see cref="Struct"/>, every CLR primitive, byte arrays (base64),
/// dates (ISO 8601) and decimals, so records from any converter can be written out.
/// </summary>
public static class SchemalessJson
{
    /// <summary>The schemaless value of <paramref name="element"/>.</summary>
    public static object? ToValue(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = ToValue(property.Value);
                }

                return map;
            case JsonValueKind.Array:
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(ToValue(item));
                }

                return list;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var l) ? l : (object)element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>Parses one JSON document into a schemaless value.</summary>
    /// <exception cref="JsonException">The text is not valid JSON.</exception>
    public static object? Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        using var document = JsonDocument.ParseValue(ref reader);
        return ToValue(document.RootElement);
    }

    /// <summary>Parses one JSON document into a schemaless value.</summary>
    /// <exception cref="JsonException">The text is not valid JSON.</exception>
    public static object? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ToValue(document.RootElement);
    }

    /// <summary>Writes <paramref name="value"/> as JSON.</summary>
    /// <exception cref="DataException">The value has a type JSON cannot carry.</exception>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonNode node:
                node.WriteTo(writer);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case float f:
                writer.WriteNumberValue(f);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            case ReadOnlyMemory<byte> memory:
                writer.WriteBase64StringValue(memory.Span);
                break;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto);
                break;
            case DateTime dt:
                writer.WriteStringValue(dt);
                break;
            case Guid g:
                writer.WriteStringValue(g);
                break;
            case Struct st:
                writer.WriteStartObject();
                foreach (var field in st.Schema.Fields)
                {
                    writer.WritePropertyName(field.Name);
                    Write(writer, st.Get(field.Name));
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case System.Collections.IDictionary dictionary:
                writer.WriteStartObject();
                foreach (System.Collections.DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "null");
                    Write(writer, entry.Value);
                }

                writer.WriteEndObject();
                break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new DataException($"A value of type {value.GetType().Name} cannot be written as JSON.");
        }
    }

    /// <summary><paramref name="value"/> as UTF-8 JSON.</summary>
    /// <exception cref="DataException">The value has a type JSON cannot carry.</exception>
    public static byte[] ToUtf8Bytes(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
