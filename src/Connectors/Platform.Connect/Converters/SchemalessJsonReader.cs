using System.Text;
using System.Text.Json;

namespace Platform.Connect.Converters;

/// <summary>
/// Decodes one JSON document straight into Connect's schemaless values with <see cref="Utf8JsonReader"/>: objects
/// become <c>Dictionary&lt;string, object?&gt;</c> (ordinal, the last of duplicate names wins), arrays
/// <c>List&lt;object?&gt;</c>, integral numbers <see cref="long"/>, other numbers <see cref="double"/>. No DOM is built:
/// the sink path decodes every record, and a JsonNode tree per record cost more than the rest of the sink together.
/// Property names repeat from record to record, so each name position remembers its last name and reuses the string.
/// </summary>
internal sealed class SchemalessJsonReader
{
    private const int CachedNames = 64;

    // One slot per property position; a slot is replaced whole, so concurrent use can only miss the cache, never mix names.
    private readonly CachedName?[] _names = new CachedName?[CachedNames];

    // The size of the last top-level object: records of a topic share their shape, so each map is made big enough at once.
    private int _lastCount;

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
        var value = ReadValue(ref reader, ref position, topLevel: true);
        if (reader.Read())
        {
            throw new JsonException($"'{reader.TokenType}' after the end of the JSON value at byte {reader.TokenStartIndex}.");
        }

        return value;
    }

    private object? ReadValue(ref Utf8JsonReader reader, ref int position, bool topLevel = false)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, object?>(topLevel ? _lastCount : 0, StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = Name(ref reader, position++);
                    reader.Read();
                    map[name] = ReadValue(ref reader, ref position);
                }

                if (topLevel)
                {
                    _lastCount = map.Count;
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
