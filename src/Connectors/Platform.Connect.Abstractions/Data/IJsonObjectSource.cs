namespace Platform.Connect.Data;

/// <summary>
/// A schemaless JSON object value (a map of its fields) that still has the UTF-8 document it came from. The JSON
/// converter's objects are these: the converter checks the document and the map decodes its fields only when someone
/// reads them. A sink that writes fields into its own buffers may read the document itself, field by field (no map,
/// no string per name, no boxed number per value), as long as the value is unchanged.
/// </summary>
public interface IJsonObjectSource
{
    /// <summary>
    /// The document: exactly one JSON object, well formed, its strings valid UTF-8 and its numbers readable (the converter
    /// made sure). False once the map was changed (a transformation): then only the map holds the value.
    /// </summary>
    bool TryGetUtf8(out ReadOnlySpan<byte> utf8);
}
