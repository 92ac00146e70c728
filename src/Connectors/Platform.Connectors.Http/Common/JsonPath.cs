using System.Globalization;
using System.Text.Json;

namespace Platform.Connectors.Http.Common;

/// <summary>
/// A dotted path into a JSON document: <c>data.items</c>, <c>meta.next</c>, with array indexes as segments
/// (<c>pages.0.items</c>). The empty path is the document itself.
/// </summary>
internal static class JsonPath
{
    /// <summary>The element at <paramref name="path"/>, or null when a segment is missing.</summary>
    public static JsonElement? Find(JsonElement root, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return root;
        }

        var current = root;
        foreach (var segment in path.Split('.'))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current;
    }
}
