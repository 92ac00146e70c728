using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Data;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>What <see cref="TableBatch.TryAddJson"/> did with a record.</summary>
internal enum JsonRowResult
{
    /// <summary>The row is in the batch.</summary>
    Added,

    /// <summary>Not read here (not an unchanged JSON document, a nested value, a key shape or option only the mapper handles): map the record.</summary>
    Map,

    /// <summary>A field the table lacks while <c>auto.evolve</c> is on: the batch needs the table evolved first.</summary>
    Lacks,
}

/// <summary>
/// Rows read straight from the records' JSON documents (<see cref="IJsonObjectSource"/>, the JSON converter's objects)
/// into the column buffers: one pass of a <see cref="Utf8JsonReader"/> per document, each field's column found by its
/// name's UTF-8 bytes (compared with the name last seen at the same place), numbers stored without a box. The rows,
/// values and errors are those <see cref="SinkRowMapper.Map"/> and <see cref="Add"/> make; anything else is left to them.
/// </summary>
internal sealed partial class TableBatch
{
    private static readonly object True = true;
    private static readonly object False = false;
    private static readonly IReadOnlyList<string> NoKeys = [];

    private readonly FieldNames _valueNames = new(table);
    private readonly FieldNames _keyNames = new(table);

    // The table positions the current row's key set (the value's fields of the same names are skipped: the key's copy wins).
    private int[] _rowKeys = new int[4];
    private int _rowKeyCount;
    private IReadOnlyList<string> _lastKeys = NoKeys;

    /// <summary>Adds <paramref name="record"/> from its JSON documents when it can (see <see cref="JsonRowResult"/>).</summary>
    /// <exception cref="DataException">A value does not fit, a column is missing (auto.evolve off) or a pk.fields name is not in the key; names it. The row is then not added.</exception>
    public JsonRowResult TryAddJson(SinkRecord record, PostgresSinkConfig config)
    {
        if (config.Whitelist.Count > 0 || record.Value is not IJsonObjectSource source || !source.TryGetUtf8(out var value))
        {
            return JsonRowResult.Map;
        }

        var index = _records.Count;
        foreach (var column in _columns)
        {
            column?.Clear(index);
        }

        _rowKeyCount = 0;
        try
        {
            IReadOnlyList<string> keys;
            JsonRowResult result;
            switch (config.Pk)
            {
                case "none":
                    keys = NoKeys;
                    break;
                case "record_key" when record.Key is IJsonObjectSource key && key.TryGetUtf8(out var keyJson):
                    result = ReadKey(keyJson, config, !key.IsChecked, out keys);
                    if (result != JsonRowResult.Added)
                    {
                        return result;
                    }

                    if (!key.IsChecked)
                    {
                        key.MarkChecked();
                    }

                    break;
                case "record_key" when record.Key is not null and not IDictionary<string, object?> and not Struct && config.PkNames.Count == 1:
                    var name = config.PkNames[0];
                    var position = Table.IndexOf(name);
                    if (position < 0 || _columns[position] is not { } buffer)
                    {
                        return JsonRowResult.Map;
                    }

                    buffer.Set(index, record.Key, name);
                    AddRowKey(position);
                    keys = config.PkNames;
                    break;
                default:
                    return JsonRowResult.Map;
            }

            result = ReadFields(value, _valueNames, config.Evolve, skipKeys: true, check: !source.IsChecked);
            if (result != JsonRowResult.Added)
            {
                return result;
            }

            if (!source.IsChecked)
            {
                source.MarkChecked();
            }

            _records.Add(record);
            _deletes.Add(false);
            _keys.Add(keys);
            return JsonRowResult.Added;
        }
        catch (DataException) when (config.Evolve)
        {
            // With auto.evolve the mapper decides first whether the table lacks a column, then what fails: it says so.
            return JsonRowResult.Map;
        }
    }

    /// <summary>The key document's fields into their columns, as <c>pk.mode=record_key</c> maps them; <paramref name="keys"/> the row's key columns.</summary>
    private JsonRowResult ReadKey(ReadOnlySpan<byte> json, PostgresSinkConfig config, bool check, out IReadOnlyList<string> keys)
    {
        keys = NoKeys;
        var pk = config.PkNames;
        Span<int> wanted = stackalloc int[pk.Count];
        for (var k = 0; k < pk.Count; k++)
        {
            // A pk.fields name the table lacks (auto.evolve, or the error): the mapper's.
            wanted[k] = Table.IndexOf(pk[k]);
            if (wanted[k] < 0)
            {
                return JsonRowResult.Map;
            }
        }

        var result = ReadFields(json, _keyNames, config.Evolve, skipKeys: false, check, wanted);
        if (result != JsonRowResult.Added)
        {
            return result;
        }

        if (pk.Count > 0)
        {
            for (var k = 0; k < wanted.Length; k++)
            {
                if (!IsRowKey(wanted[k]))
                {
                    throw new DataException($"pk.fields names '{pk[k]}', which the record key does not have.");
                }
            }

            keys = pk;
            return JsonRowResult.Added;
        }

        keys = RowKeyNames();
        return JsonRowResult.Added;
    }

    /// <summary>
    /// Reads the object <paramref name="json"/> into the row's columns. A key's fields (<paramref name="skipKeys"/> false)
    /// become the row's key columns (only those at <paramref name="wanted"/> positions when pk.fields names them); a
    /// value's fields skip the key's columns. With <paramref name="check"/> (a document the converter has not checked) every
    /// token is checked as the converter would, so that a document read whole (<see cref="JsonRowResult.Added"/>) is checked.
    /// </summary>
    /// <exception cref="JsonException">An unchecked document is not well formed (also <see cref="InvalidOperationException"/>, <see cref="FormatException"/>: see <see cref="JsonDocumentCheck"/>).</exception>
    private JsonRowResult ReadFields(ReadOnlySpan<byte> json, FieldNames names, bool evolve, bool skipKeys, bool check, ReadOnlySpan<int> wanted = default)
    {
        var index = _records.Count;
        var reader = new Utf8JsonReader(json);
        reader.Read();
        var place = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (check)
            {
                JsonDocumentCheck.Token(ref reader);
            }

            var position = names.PositionOf(ref reader, place++, out var name);
            reader.Read();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                return JsonRowResult.Map;
            }

            if (check)
            {
                JsonDocumentCheck.Token(ref reader);
            }

            if (!skipKeys && wanted.Length > 0 && (position < 0 || wanted.IndexOf(position) < 0))
            {
                continue; // a key field pk.fields does not name
            }

            if (position < 0)
            {
                return evolve ? JsonRowResult.Lacks : throw new DataException($"Table {Table.Schema}.{Table.Name} has no column '{name}' (auto.evolve is false).");
            }

            if (IsRowKey(position))
            {
                if (!skipKeys)
                {
                    return JsonRowResult.Map; // a name twice in the key
                }

                continue;
            }

            var buffer = _columns[position]
                ?? throw new DataException($"Column '{name}' of {Table.Schema}.{Table.Name} has type {Table.Columns[position].DeclaredType}, which the sink cannot write.");
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    // Text columns take the bytes as they are (the converter checked they are UTF-8); others the string.
                    if (reader.ValueIsEscaped || !buffer.TrySetUtf8(index, reader.ValueSpan))
                    {
                        buffer.Set(index, reader.GetString(), name);
                    }

                    break;
                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out var integer))
                    {
                        buffer.SetInt64(index, integer, name);
                    }
                    else
                    {
                        buffer.SetDouble(index, JsonDocumentCheck.GetDouble(ref reader), name);
                    }

                    break;
                case JsonTokenType.True:
                    buffer.Set(index, True, name);
                    break;
                case JsonTokenType.False:
                    buffer.Set(index, False, name);
                    break;
                default:
                    buffer.Set(index, null, name);
                    break;
            }

            if (!skipKeys)
            {
                AddRowKey(position);
            }
        }

        if (check)
        {
            JsonDocumentCheck.End(ref reader);
        }

        return JsonRowResult.Added;
    }

    private void AddRowKey(int position)
    {
        if (_rowKeyCount == _rowKeys.Length)
        {
            Array.Resize(ref _rowKeys, _rowKeys.Length * 2);
        }

        _rowKeys[_rowKeyCount++] = position;
    }

    private bool IsRowKey(int position) => _rowKeyCount > 0 && _rowKeys.AsSpan(0, _rowKeyCount).IndexOf(position) >= 0;

    /// <summary>The names of the row's key columns in key order, the previous row's list when they are the same.</summary>
    private IReadOnlyList<string> RowKeyNames()
    {
        var last = _lastKeys;
        var same = last.Count == _rowKeyCount;
        for (var i = 0; i < _rowKeyCount && same; i++)
        {
            same = ReferenceEquals(last[i], Table.Columns[_rowKeys[i]].Name);
        }

        return same ? last : _lastKeys = [.. _rowKeys.AsSpan(0, _rowKeyCount).ToArray().Select(p => Table.Columns[p].Name)];
    }

    /// <summary>The table position of a JSON field name, found by its UTF-8 bytes: the name last seen at the same place of an object is compared first.</summary>
    private sealed class FieldNames(SinkTable table)
    {
        private Seen[] _seen = new Seen[8];

        /// <summary>The position of the property name <paramref name="reader"/> is on (-1: the table lacks it), at place <paramref name="place"/>; <paramref name="name"/> the name.</summary>
        public int PositionOf(ref Utf8JsonReader reader, int place, out string name)
        {
            if (place < _seen.Length && _seen[place] is { } seen && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual(seen.Utf8))
            {
                name = seen.Name;
                return seen.Position;
            }

            name = reader.GetString()!;
            var position = table.IndexOf(name);
            if (!reader.ValueIsEscaped)
            {
                if (place >= _seen.Length)
                {
                    Array.Resize(ref _seen, Math.Max(place + 1, _seen.Length * 2));
                }

                _seen[place] = new Seen(reader.ValueSpan.ToArray(), position, name);
            }

            return position;
        }

        private sealed record Seen(byte[] Utf8, int Position, string Name);
    }
}
