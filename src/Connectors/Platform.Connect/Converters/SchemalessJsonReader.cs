using System.Text;
using System.Text.Json;
using Platform.Connect.Data;

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
        object? value;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            var (names, values, count, large) = ReadTopObject(ref reader, ref position);
            value = large ?? (object)new JsonObjectMap(names, values, count);
        }
        else
        {
            value = ReadValue(ref reader, ref position);
        }

        EnsureEnd(ref reader);
        return value;
    }

    /// <summary>
    /// The schemaless value of <paramref name="utf8Json"/>, as <see cref="Parse"/> has it, but an object (the usual record)
    /// is only checked here: it becomes a <see cref="JsonObjectMap"/> over a copy of the document that decodes its fields
    /// when first read, and a sink may read the document itself. The check refuses exactly what decoding would refuse,
    /// with the same exceptions, so a bad record still fails in the converter.
    /// </summary>
    /// <exception cref="JsonException">The bytes are not exactly one JSON document.</exception>
    /// <param name="utf8Json">The document.</param>
    /// <param name="borrowed">The same bytes as memory whose owner keeps them unchanged until it releases the map
    /// (<see cref="JsonObjectMap.Release"/>): an object's map refers to them instead of a copy. Empty: copied.</param>
    /// <param name="reuse">A released map to make the object's map of <paramref name="borrowed"/> (<see cref="JsonObjectMap.Reuse"/>) instead of a new one; null: a new one.</param>
    public object? ParseDeferred(ReadOnlySpan<byte> utf8Json, ReadOnlyMemory<byte> borrowed = default, JsonObjectMap? reuse = null)
    {
        if (!IsObject(utf8Json))
        {
            return Parse(utf8Json);
        }

        return Check(utf8Json) > MapFields ? Parse(utf8Json) : Map(utf8Json, borrowed, isChecked: true, reuse);
    }

    /// <summary>
    /// As <see cref="ParseDeferred"/>, but an object's document is not even checked: its map (<see cref="JsonObjectMap.IsChecked"/>
    /// false) is checked by <see cref="JsonObjectMap.Check"/>, or by a sink reading it whole, before anyone else reads it.
    /// </summary>
    /// <exception cref="JsonException">The bytes are not exactly one JSON document (found here when not an object).</exception>
    public object? ParseUnchecked(ReadOnlySpan<byte> utf8Json, ReadOnlyMemory<byte> borrowed = default, JsonObjectMap? reuse = null)
    {
        // Whatever starts with '{' after JSON's whitespace is an object or no document at all, which the check finds.
        // The usual document starts with it: no search.
        var start = utf8Json.Length > 0 && utf8Json[0] == (byte)'{' ? 0 : utf8Json.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && utf8Json[start] == (byte)'{' ? Map(utf8Json, borrowed, isChecked: false, reuse) : Parse(utf8Json);
    }

    private JsonObjectMap Map(ReadOnlySpan<byte> utf8Json, ReadOnlyMemory<byte> borrowed, bool isChecked, JsonObjectMap? reuse)
    {
        if (borrowed.IsEmpty)
        {
            return new JsonObjectMap(this, Copy(utf8Json), isChecked);
        }

        if (reuse is null)
        {
            return new JsonObjectMap(this, borrowed, isChecked, borrowed: true);
        }

        reuse.Reuse(this, borrowed, isChecked);
        return reuse;
    }

    private static bool IsObject(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read())
        {
            throw new JsonException("The input does not contain any JSON tokens.");
        }

        return reader.TokenType == JsonTokenType.StartObject;
    }

    /// <summary>Checks the object <paramref name="utf8Json"/> as decoding it would (<see cref="JsonDocumentCheck"/>); its number of fields.</summary>
    /// <exception cref="JsonException">The bytes are not exactly one JSON document.</exception>
    public static int Check(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        var fields = 0;
        while (reader.Read() && reader.CurrentDepth > 0)
        {
            fields += reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 ? 1 : 0;
            JsonDocumentCheck.Token(ref reader);
        }

        JsonDocumentCheck.End(ref reader);
        return fields;
    }

    /// <summary>The fields of the checked object <paramref name="utf8Json"/>, for its deferred map (one of more than <see cref="MapFields"/> fields too, unchecked when made).</summary>
    public (string[] Names, object?[] Values, int Count) ReadObject(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        var position = 0;
        var (names, values, count, large) = ReadTopObject(ref reader, ref position);
        return large is null ? (names, values, count) : ([.. large.Keys], [.. large.Values], large.Count);
    }

    private static void EnsureEnd(ref Utf8JsonReader reader) => JsonDocumentCheck.End(ref reader);

    // Deferred documents are copied into shared blocks (one array header per block, not per record), never reused:
    // a block lives as long as a map over it. Per thread, so converters on several threads never share one.
    private const int BlockSize = 16 * 1024;

    [ThreadStatic]
    private static byte[]? _block;

    [ThreadStatic]
    private static int _blockUsed;

    private static ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > BlockSize / 4)
        {
            return utf8Json.ToArray();
        }

        if (_block is null || _blockUsed + utf8Json.Length > BlockSize)
        {
            _block = new byte[BlockSize];
            _blockUsed = 0;
        }

        var start = _blockUsed;
        utf8Json.CopyTo(_block.AsSpan(start));
        _blockUsed += utf8Json.Length;
        return _block.AsMemory(start, utf8Json.Length);
    }

    /// <summary>The document's object's fields (a dictionary beyond <see cref="MapFields"/> fields).</summary>
    private (string[] Names, object?[] Values, int Count, Dictionary<string, object?>? Large) ReadTopObject(ref Utf8JsonReader reader, ref int position)
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
            return ([], [], 0, large);
        }

        // A names array is shared by maps and never changed: the last one is read here (maybe on another thread) and replaced whole.
        var last = _lastNames;
        if (!SameNames(last, names, count))
        {
            _lastNames = last = names.AsSpan(0, count).ToArray();
        }

        return (last, values, count, null);
    }

    /// <summary>Whether the first <paramref name="count"/> names are the last object's (the cached name strings make this a reference comparison).</summary>
    private static bool SameNames(string[] last, string[] names, int count)
    {
        if (last.Length != count)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (!string.Equals(names[i], last[i], StringComparison.Ordinal))
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
                return reader.TryGetInt64(out var l) ? Box(l) : JsonDocumentCheck.GetDouble(ref reader);
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

        // GetString, not Encoding.UTF8: a name that is not UTF-8 is refused like such a string value, not patched.
        var name = reader.GetString()!;
        _names[position] = new CachedName(raw.ToArray(), name);
        return name;
    }

    private sealed record CachedName(byte[] Utf8, string Name);
}
