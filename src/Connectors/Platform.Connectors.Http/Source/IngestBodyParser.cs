using System.Text;
using System.Text.Json;
using Platform.Connect.Data;

namespace Platform.Connectors.Http.Source;

/// <summary>Splits a POST body into record values by its content type.</summary>
internal static class IngestBodyParser
{
    /// <summary>How a body is read.</summary>
    public enum Kind
    {
        /// <summary>A JSON object (one record) or array (one per element).</summary>
        Json,

        /// <summary>One JSON value per line.</summary>
        JsonLines,

        /// <summary>One string per line.</summary>
        Text,

        /// <summary>Not supported.</summary>
        Unsupported,
    }

    public static Kind KindOf(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            null or "" or "text/plain" => Kind.Text,
            "application/json" => Kind.Json,
            "application/x-ndjson" or "application/jsonl" or "application/jsonlines" or "application/json-seq" => Kind.JsonLines,
            _ when mediaType.EndsWith("+json", StringComparison.Ordinal) => Kind.Json,
            _ => Kind.Unsupported,
        };
    }

    /// <summary>The values of the body.</summary>
    /// <exception cref="FormatException">The body is malformed; the message says where.</exception>
    public static List<(Schema? Schema, object? Value)> Parse(Kind kind, ReadOnlyMemory<byte> body)
    {
        var values = new List<(Schema?, object?)>();
        switch (kind)
        {
            case Kind.Json:
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(body);
                }
                catch (JsonException e)
                {
                    throw new FormatException($"the body is not valid JSON: {e.Message}", e);
                }

                using (document)
                {
                    var root = document.RootElement;
                    if (root.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var element in root.EnumerateArray())
                        {
                            values.Add((null, SchemalessJson.ToValue(element)));
                        }
                    }
                    else if (root.ValueKind == JsonValueKind.Object)
                    {
                        values.Add((null, SchemalessJson.ToValue(root)));
                    }
                    else
                    {
                        throw new FormatException($"expected a JSON object or array, not {root.ValueKind.ToString().ToLowerInvariant()}");
                    }
                }

                break;
            case Kind.JsonLines:
                var number = 0;
                foreach (var line in Lines(body))
                {
                    number++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    try
                    {
                        values.Add((null, SchemalessJson.Parse(line)));
                    }
                    catch (JsonException e)
                    {
                        throw new FormatException($"line {number} is not valid JSON: {e.Message}", e);
                    }
                }

                break;
            default:
                foreach (var line in Lines(body))
                {
                    if (line.Length > 0)
                    {
                        values.Add((Schema.StringSchema, line));
                    }
                }

                break;
        }

        return values;
    }

    private static IEnumerable<string> Lines(ReadOnlyMemory<byte> body)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"the body is not valid UTF-8: {e.Message}", e);
        }

        return text.Split('\n').Select(l => l.TrimEnd('\r'));
    }
}
