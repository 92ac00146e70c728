using System.Text.Json;

namespace Platform.Connect.Data;

/// <summary>
/// A schemaless JSON object value (a map of its fields) that still has the UTF-8 document it came from. The JSON
/// converter's objects are these for a sink that asks for them (<see cref="Connectors.SinkTask.ReadsJsonDocuments"/>): the
/// converter checks the document and the map decodes its fields only when someone reads them. A sink that writes fields into its own buffers may read the document itself, field by field (no map,
/// no string per name, no boxed number per value), as long as the value is unchanged.
/// </summary>
/// <remarks>
/// Only in <see cref="Connectors.SinkTask.Prepare"/> may a document be one the converter has not checked yet (<see cref="IsChecked"/>
/// false): the runtime checks it after Prepare, unless the task read it whole with <see cref="JsonDocumentCheck"/>
/// and said so (<see cref="MarkChecked"/>), so a document is tokenized once. A bad one fails in the converter either
/// way (dead-lettered as a converter error), and a task never gets a record whose document is not checked.
/// </remarks>
public interface IJsonObjectSource
{
    /// <summary>
    /// The document: exactly one JSON object, well formed, its strings valid UTF-8 and its numbers readable (once
    /// <see cref="IsChecked"/>). False once the map was changed (a transformation): then only the map holds the value.
    /// </summary>
    bool TryGetUtf8(out ReadOnlySpan<byte> utf8);

    /// <summary>Whether the document is checked (always, outside <see cref="Connectors.SinkTask.Prepare"/>).</summary>
    bool IsChecked { get; }

    /// <summary>
    /// Says the caller read the whole document to its end with <see cref="JsonDocumentCheck.Token"/> on every token and
    /// <see cref="JsonDocumentCheck.End"/> after it, without an exception: the converter's own check would find nothing.
    /// </summary>
    void MarkChecked();
}

/// <summary>
/// What the JSON converter checks in a document it defers decoding, one token at a time: exactly what decoding it
/// would refuse (malformed JSON, bad escapes, strings that are not UTF-8, numbers out of a double's range), with the
/// same exceptions. The converter and a task reading unchecked documents (<see cref="IJsonObjectSource"/>) share it.
/// </summary>
public static class JsonDocumentCheck
{
    /// <summary>Checks the token <paramref name="reader"/> is on (<see cref="Utf8JsonReader"/> itself checks the syntax).</summary>
    /// <exception cref="JsonException">An escape is malformed.</exception>
    /// <exception cref="InvalidOperationException">A string is not UTF-8.</exception>
    /// <exception cref="JsonException">A number is out of a double's range.</exception>
    public static void Token(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName or JsonTokenType.String when reader.ValueIsEscaped || !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan):
                // What decoding does to it: unescaped, and refused when it is not text (Utf8JsonReader does not check
                // the UTF-8 of names or strings it only steps over).
                reader.GetString();
                break;
            case JsonTokenType.Number when reader.ValueSpan.Length >= 300 || reader.ValueSpan.IndexOfAny((byte)'e', (byte)'E') >= 0:
                // Only a number this long or with an exponent can be out of a double's range, which decoding refuses.
                if (!reader.TryGetInt64(out _))
                {
                    GetDouble(ref reader);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The number <paramref name="reader"/> is on as a double, refused when it is not finite: <see cref="Utf8JsonReader.GetDouble"/>
    /// makes 1e999 infinity, which JSON cannot say and Kafka's JsonConverter does not read, and which no sink should write.
    /// </summary>
    /// <exception cref="JsonException">The number is out of a double's range.</exception>
    public static double GetDouble(ref Utf8JsonReader reader)
    {
        var value = reader.GetDouble();
        if (!double.IsFinite(value))
        {
            var text = reader.HasValueSequence ? "" : System.Text.Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 40)]);
            throw new JsonException($"The number {text} at byte {reader.TokenStartIndex} is out of a double's range.");
        }

        return value;
    }

    /// <summary>Checks nothing follows the document's value, <paramref name="reader"/> being on its last token.</summary>
    /// <exception cref="JsonException">Something does.</exception>
    public static void End(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException($"'{reader.TokenType}' after the end of the JSON value at byte {reader.TokenStartIndex}.");
        }
    }
}
