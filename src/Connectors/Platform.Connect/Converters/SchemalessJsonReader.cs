using System.Text;
using System.Text.Json;

namespace Platform.Connect.Converters;

/// <summary>
/// Decodes one JSON document straight into Connect's schemaless values with <see cref="Utf8JsonReader"/>: the
/// document's object becomes a <see cref="JsonObjectMap"/> (names shared with the previous document's when they are
/// the same), nested objects <c>Dictionary&lt;string, object?&gt;</c> (ordinal; in both the last of duplicate names
/// wins), arrays <c>List&lt;object?&gt;</c>, integral numbers <see cref="long"/>, other numbers <see cref="double"/>.
/// No DOM is built: the sink path decodes every record, and a JsonNode tree per record cost more than the rest of the
/// sink together. Property names repeat from record to record, so each name position remembers its last name and
/// reuses the string.
/// </summary>
internal sealed class SchemalessJsonReader
{
    private const int CachedNames = 64;

    // One slot per property position; a slot is replaced whole, so concurrent use can only miss the cache, never mix names.
    private readonly CachedName?[] _names = new CachedName?[CachedNames];

    // Top-level objects of more fields than this are dictionaries (names are looked up linearly in a JsonObjectMap).
    private const int MapFields = 32;

    // The names being read, per thread: a reader may be used by several threads at once (never a problem: a names
    // array is published whole and never changed, so they can only miss sharing).
    [ThreadStatic]
    private static string[]? _reading;

    // The names of the last top-level object, shared by the next one when they are the same.
    private string[] _lastNames = [];

    /// <summary>The schemaless value of the JSON document <paramref name="utf8Json"/>.</summary>
    /// <exception cref="JsonException">The bytes are not exactly one JSON document.</exception>
    public object? Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read())
        {
            throw new JsonException("The input does not contain any JSON tokens.");
        }

        var position = 0;
        var value = reader.TokenType == JsonTokenType.StartObject ? ReadTopObject(ref reader, ref position) : ReadValue(ref reader, ref position);
        if (reader.Read())
        {
            throw new JsonException($"'{reader.TokenType}' after the end of the JSON value at byte {reader.TokenStartIndex}.");
        }

        return value;
    }

    /// <summary>The document's object: a <see cref="JsonObjectMap"/> (a dictionary beyond <see cref="MapFields"/> fields).</summary>
    private object ReadTopObject(ref Utf8JsonReader reader, ref int position)
    {
        var names = _reading ??= new string[MapFields];
        var values = new object?[Math.Max(_lastNames.Length, 1)];
        var count = 0;
        Dictionary<string, object?>? large = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader, position++);
            reader.Read();
            var value = ReadValue(ref reader, ref position);
            if (large is not null)
            {
                large[name] = value;
                continue;
            }

            var existing = Array.IndexOf(names, name, 0, count);
            if (existing >= 0)
            {
                values[existing] = value;
                continue;
            }

            if (count == MapFields)
            {
                large = new Dictionary<string, object?>(MapFields * 2, StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    large[names[i]] = values[i];
                }

                large[name] = value;
                continue;
            }

            if (count == values.Length)
            {
                Array.Resize(ref values, Math.Min(MapFields, values.Length * 2));
            }

            names[count] = name;
            values[count++] = value;
        }

        if (large is not null)
        {
            return large;
        }

        if (!SameNames(names, count))
        {
            _lastNames = names.AsSpan(0, count).ToArray();
        }

        return new JsonObjectMap(_lastNames, values, count);
    }

    /// <summary>Whether the first <paramref name="count"/> names are the last object's (the cached name strings make this a reference comparison).</summary>
    private bool SameNames(string[] names, int count)
    {
        if (_lastNames.Length != count)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!string.Equals(names[i], _lastNames[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private object? ReadValue(ref Utf8JsonReader reader, ref int position)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Name(ref reader, position++);
                    reader.Read();
                    map[name] = ReadValue(ref reader, ref position);
                }

                return map;
            case JsonTokenType.StartArray:
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadValue(ref reader, ref position));
                }

                return list;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var l) ? Box(l) : reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary><paramref name="value"/> boxed; small numbers (counts, codes, flags) share boxes made once.</summary>
    private static object Box(long value) => (ulong)(value + SmallMin) < (ulong)SmallNumbers.Length ? SmallNumbers[value + SmallMin] : value;

    private const int SmallMin = 128;

    private static readonly object[] SmallNumbers = [.. Enumerable.Range(-SmallMin, 1024 + SmallMin).Select(i => (object)(long)i)];

    private string Name(ref Utf8JsonReader reader, int position)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || position >= CachedNames)
        {
            return reader.GetString()!;
        }

        var raw = reader.ValueSpan;
        if (_names[position] is { } cached && raw.SequenceEqual(cached.Utf8))
        {
            return cached.Name;
        }

        var name = Encoding.UTF8.GetString(raw);
        _names[position] = new CachedName(raw.ToArray(), name);
        return name;
    }

    private sealed record CachedName(byte[] Utf8, string Name);
}
