using Platform.Connect;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Maps a sink record onto columns following <c>pk.mode</c>, <c>pk.fields</c> and <c>fields.whitelist</c>:
/// struct values (with schema) and schemaless maps (JSON objects) alike.
/// </summary>
internal sealed class SinkRowMapper(PostgresSinkConfig config)
{
    private static readonly string[] KafkaPkDefaults = ["__connect_topic", "__connect_partition", "__connect_offset"];
    private static readonly string[] NoKeys = [];

    // The previous row's key column names: rows of a batch nearly always share them, so they share the list.
    private IReadOnlyList<string> _lastKeys = NoKeys;

    // Reused lists for rows that are dropped as soon as their values are copied (see Map's scratch).
    private readonly List<SinkColumn> _scratchFields = [];
    private readonly List<SinkColumn> _scratchColumns = [];
    private readonly List<SinkColumn> _scratchKeyFields = [];
    private readonly List<string> _scratchKeys = [];

    /// <summary>The columns of <paramref name="record"/>.</summary>
    /// <param name="record">The record.</param>
    /// <param name="scratch">
    /// True when the caller is done with the row before it maps the next one (it copies the values at once): the row's
    /// column lists are then the mapper's own, reused for the next row, so mapping allocates almost nothing.
    /// </param>
    /// <exception cref="DataException">The record cannot be mapped (wrong shape, missing key); the message says why.</exception>
    public SinkRow Map(SinkRecord record, bool scratch = false)
    {
        var isDelete = record.Value is null;
        if (isDelete && !config.Deletes)
        {
            throw new DataException($"Record at {record.Topic}-{record.KafkaPartition}@{record.KafkaOffset} is a tombstone (null value) and delete.enabled is false.");
        }

        var fields = isDelete ? null : Fields(record.ValueSchema, record.Value, "value", scratch ? Cleared(_scratchFields) : null);
        if (fields is not null && config.Pk == "none" && config.Whitelist.Count == 0)
        {
            // The common insert shape: every value field is a column, nothing to merge or filter.
            return new SinkRow(record, fields, NoKeys, false);
        }

        var columns = scratch ? Cleared(_scratchColumns) : new List<SinkColumn>((fields?.Count ?? 0) + 3);
        var keyColumns = scratch ? Cleared(_scratchKeys) : new List<string>(config.Pk == "none" ? 0 : 3);

        switch (config.Pk)
        {
            case "kafka":
                var names = config.PkNames.Count == 3 ? config.PkNames : KafkaPkDefaults;
                columns.Add(new SinkColumn(names[0], record.Topic, Schema.StringSchema, false));
                columns.Add(new SinkColumn(names[1], record.KafkaPartition ?? 0, Schema.Int32Schema, false));
                columns.Add(new SinkColumn(names[2], record.KafkaOffset, Schema.Int64Schema, false));
                keyColumns.AddRange(names);
                break;
            case "record_key":
                AddKey(record, columns, keyColumns, scratch);
                break;
            default:
                break;
        }

        if (fields is not null)
        {
            if (config.Pk == "record_value")
            {
                var count = config.PkNames.Count > 0 ? config.PkNames.Count : fields.Count;
                for (var k = 0; k < count; k++)
                {
                    var name = config.PkNames.Count > 0 ? config.PkNames[k] : fields[k].Name;
                    var index = IndexOf(fields, name);
                    if (index < 0)
                    {
                        throw new DataException($"pk.fields names '{name}', which the record value does not have.");
                    }

                    if (fields[index].Value is null)
                    {
                        throw new DataException($"Primary key field '{name}' of the record value is null.");
                    }

                    keyColumns.Add(name);
                }
            }

            foreach (var field in fields)
            {
                if (IndexOf(columns, field.Name) >= 0)
                {
                    continue; // a key field repeated in the value: the key's copy wins, as in the JDBC sink
                }

                if (config.Whitelist.Count == 0 || config.Whitelist.Contains(field.Name) || keyColumns.Contains(field.Name))
                {
                    columns.Add(field);
                }
            }
        }

        return new SinkRow(record, columns, SharedKeys(keyColumns), isDelete);
    }

    private static List<T> Cleared<T>(List<T> list)
    {
        list.Clear();
        return list;
    }

    private static int IndexOf(List<SinkColumn> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private IReadOnlyList<string> SharedKeys(List<string> keys)
    {
        var last = _lastKeys;
        if (last.Count == keys.Count)
        {
            var same = true;
            for (var i = 0; i < keys.Count && same; i++)
            {
                same = last[i] == keys[i];
            }

            if (same)
            {
                return last;
            }
        }

        // A copy: the list may be the mapper's scratch list.
        return _lastKeys = keys.Count == 0 ? NoKeys : [.. keys];
    }

    private void AddKey(SinkRecord record, List<SinkColumn> columns, List<string> keyColumns, bool scratch)
    {
        if (record.Key is null)
        {
            throw new DataException($"Record at {record.Topic}-{record.KafkaPartition}@{record.KafkaOffset} has no key but pk.mode is record_key.");
        }

        if (record.Key is Struct or IDictionary<string, object?>)
        {
            var fields = Fields(record.KeySchema, record.Key, "key", scratch ? Cleared(_scratchKeyFields) : null);
            var count = config.PkNames.Count > 0 ? config.PkNames.Count : fields.Count;
            for (var k = 0; k < count; k++)
            {
                var name = config.PkNames.Count > 0 ? config.PkNames[k] : fields[k].Name;
                var index = IndexOf(fields, name);
                if (index < 0)
                {
                    throw new DataException($"pk.fields names '{name}', which the record key does not have.");
                }

                columns.Add(fields[index] with { Optional = false });
                keyColumns.Add(name);
            }

            return;
        }

        if (config.PkNames.Count != 1)
        {
            throw new DataException($"The record key is a primitive ({record.Key.GetType().Name}): pk.fields must name exactly one column for it.");
        }

        columns.Add(new SinkColumn(config.PkNames[0], record.Key, record.KeySchema, false));
        keyColumns.Add(config.PkNames[0]);
    }

    /// <summary>The fields of a struct or map value as columns, into <paramref name="into"/> when given.</summary>
    private static List<SinkColumn> Fields(Schema? schema, object? value, string what, List<SinkColumn>? into)
    {
        switch (value)
        {
            case Struct s:
                var fields = s.Schema.Fields;
                var fromStruct = into ?? new List<SinkColumn>(fields.Count);
                foreach (var f in fields)
                {
                    fromStruct.Add(new SinkColumn(f.Name, s.Get(f.Name), f.Schema, f.Schema.IsOptional));
                }

                return fromStruct;
            case Dictionary<string, object?> dictionary:
                // Enumerated without boxing the enumerator.
                var fromDictionary = into ?? new List<SinkColumn>(dictionary.Count);
                foreach (var (name, v) in dictionary)
                {
                    fromDictionary.Add(new SinkColumn(name, v, null, true));
                }

                return fromDictionary;
            case IDictionary<string, object?> map:
                var fromMap = into ?? new List<SinkColumn>(map.Count);
                if (map is IReadOnlyList<KeyValuePair<string, object?>> pairs)
                {
                    // The JSON converter's document objects are also lists of their pairs: read by index, no enumerator per record.
                    for (var i = 0; i < pairs.Count; i++)
                    {
                        var (name, v) = pairs[i];
                        fromMap.Add(new SinkColumn(name, v, null, true));
                    }

                    return fromMap;
                }

                foreach (var (name, v) in map)
                {
                    fromMap.Add(new SinkColumn(name, v, null, true));
                }

                return fromMap;
            case IReadOnlyDictionary<string, object?> readOnly:
                var fromReadOnly = into ?? new List<SinkColumn>(readOnly.Count);
                fromReadOnly.AddRange(readOnly.Select(kv => new SinkColumn(kv.Key, kv.Value, null, true)));
                return fromReadOnly;
            default:
                throw new DataException($"The record {what} is {(value is null ? "null" : value.GetType().Name)}{(schema is null ? "" : $" ({schema})")}; "
                    + "only structs and JSON objects map onto columns.");
        }
    }
}
