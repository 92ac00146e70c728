using Npgsql;
using Platform.Connect;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Creates and evolves target tables and writes rows into them inside the caller's transaction: inserts by
/// binary COPY, upserts and updates through <c>unnest</c> of one typed array per column (one statement and one
/// cached plan per batch whatever its size), deletes likewise.
/// </summary>
internal sealed class TableWriter(PostgresSinkConfig config)
{
    private readonly Dictionary<(string, string), SinkTable> _tables = [];

    /// <summary>Forgets cached table shapes (after a rollback undid DDL).</summary>
    public void Invalidate() => _tables.Clear();

    /// <summary>The table for <paramref name="rows"/>, created or given new columns as <c>auto.create</c>/<c>auto.evolve</c> allow.</summary>
    public async Task<SinkTable> EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string name, IReadOnlyList<SinkRow> rows,
        CancellationToken cancellationToken)
    {
        var table = _tables.GetValueOrDefault((schema, name)) ?? await LoadAsync(conn, tx, schema, name, cancellationToken).ConfigureAwait(false);
        if (table is null)
        {
            if (!config.Create)
            {
                throw new ConnectException($"Table {schema}.{name} does not exist and auto.create is false.");
            }

            var columns = new List<SinkColumn>();
            foreach (var column in rows.Where(r => !r.IsDelete).SelectMany(r => r.Columns).Concat(rows.SelectMany(r => r.Columns)))
            {
                if (!columns.Exists(c => c.Name == column.Name))
                {
                    columns.Add(column);
                }
            }

            var keys = rows[0].KeyColumns;
            var definition = string.Join(", ", columns.Select(c => $"{PgIdentifier.Quote(c.Name)} {c.SqlType}{(c.Optional && !keys.Contains(c.Name) ? "" : " NOT NULL")}"));
            if (keys.Count > 0)
            {
                definition += $", PRIMARY KEY ({string.Join(", ", keys.Select(PgIdentifier.Quote))})";
            }

            await ExecuteAsync(conn, tx, $"CREATE TABLE IF NOT EXISTS {PgIdentifier.Qualified(schema, name)} ({definition})", cancellationToken).ConfigureAwait(false);
            table = (await LoadAsync(conn, tx, schema, name, cancellationToken).ConfigureAwait(false))!;
        }

        if (config.Evolve)
        {
            var missing = rows.SelectMany(r => r.Columns).Where(c => table.Find(c.Name) is null).DistinctBy(c => c.Name).ToList();
            if (missing.Count > 0)
            {
                // New columns are nullable: rows already in the table have no value for them.
                var alter = string.Join(", ", missing.Select(c => $"ADD COLUMN IF NOT EXISTS {PgIdentifier.Quote(c.Name)} {c.SqlType}"));
                await ExecuteAsync(conn, tx, $"ALTER TABLE {table.Qualified} {alter}", cancellationToken).ConfigureAwait(false);
                table = (await LoadAsync(conn, tx, schema, name, cancellationToken).ConfigureAwait(false))!;
            }
        }

        _tables[(schema, name)] = table;
        return table;
    }

    /// <summary>Checks that every column of <paramref name="row"/> exists and converts each value for writing, once.</summary>
    /// <exception cref="DataException">A column is missing or a value does not fit; names the column.</exception>
    public static PreparedRow Prepare(SinkTable table, SinkRow row)
    {
        var values = new object?[table.Columns.Count];
        var present = new bool[table.Columns.Count];
        foreach (var column in row.Columns)
        {
            var index = table.IndexOf(column.Name);
            if (index < 0)
            {
                throw new DataException($"Table {table.Schema}.{table.Name} has no column '{column.Name}' (auto.evolve is false).");
            }

            var target = table.Columns[index];
            if (target.Type is null)
            {
                throw new DataException($"Column '{column.Name}' of {table.Schema}.{table.Name} has type {target.DeclaredType}, which the sink cannot write.");
            }

            values[index] = target.Type.ToColumn(column.Value, column.Name);
            present[index] = true;
        }

        return new PreparedRow(row, values, present);
    }

    private static async Task<SinkTable?> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string name, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            + "WHERE a.attrelid = to_regclass(@t) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", conn, tx);
        cmd.Parameters.AddWithValue("t", PgIdentifier.Qualified(schema, name));
        var columns = new List<SinkTableColumn>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var declared = reader.GetString(1);
                columns.Add(new SinkTableColumn(reader.GetString(0), declared, PgType.Find(declared)));
            }
        }

        return columns.Count == 0 ? null : new SinkTable(schema, name, columns);
    }

    /// <summary>Writes one run of rows of the same kind (writes or deletes) in <c>batch.size</c> chunks.</summary>
    public async Task WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkTable table, List<PreparedRow> rows, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += config.Batch)
        {
            var chunk = start == 0 && rows.Count <= config.Batch ? rows : rows.GetRange(start, Math.Min(config.Batch, rows.Count - start));
            if (chunk[0].Row.IsDelete)
            {
                await DeleteAsync(conn, tx, table, chunk, cancellationToken).ConfigureAwait(false);
            }
            else if (config.Mode == "insert")
            {
                await CopyAsync(conn, table, chunk, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await UpsertAsync(conn, tx, table, LastPerKey(table, chunk), config.Mode == "update", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The table's columns any of <paramref name="rows"/> has, in table order (positions).</summary>
    private static List<int> ColumnsOf(SinkTable table, List<PreparedRow> rows)
    {
        var used = new List<int>();
        for (var c = 0; c < table.Columns.Count; c++)
        {
            foreach (var row in rows)
            {
                if (row.Present[c])
                {
                    used.Add(c);
                    break;
                }
            }
        }

        return used;
    }

    private static async Task CopyAsync(NpgsqlConnection conn, SinkTable table, List<PreparedRow> rows, CancellationToken cancellationToken)
    {
        var columns = ColumnsOf(table, rows);
        var copy = $"COPY {table.Qualified} ({string.Join(", ", columns.Select(c => PgIdentifier.Quote(table.Columns[c].Name)))}) FROM STDIN (FORMAT BINARY)";
        await using var writer = await conn.BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            foreach (var c in columns)
            {
                await WriteValueAsync(writer, row.Values[c], table.Columns[c].Type!.DbType, cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes with the generic overloads: the object one looks the converter up per value.</summary>
    private static Task WriteValueAsync(NpgsqlBinaryImporter writer, object? value, NpgsqlTypes.NpgsqlDbType type, CancellationToken cancellationToken) => value switch
    {
        null => writer.WriteNullAsync(cancellationToken),
        long v => writer.WriteAsync(v, type, cancellationToken),
        int v => writer.WriteAsync(v, type, cancellationToken),
        string v => writer.WriteAsync(v, type, cancellationToken),
        double v => writer.WriteAsync(v, type, cancellationToken),
        DateTime v => writer.WriteAsync(v, type, cancellationToken),
        bool v => writer.WriteAsync(v, type, cancellationToken),
        decimal v => writer.WriteAsync(v, type, cancellationToken),
        short v => writer.WriteAsync(v, type, cancellationToken),
        float v => writer.WriteAsync(v, type, cancellationToken),
        byte[] v => writer.WriteAsync(v, type, cancellationToken),
        _ => writer.WriteAsync(value, type, cancellationToken),
    };

    private static async Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkTable table, List<PreparedRow> rows, bool updateOnly,
        CancellationToken cancellationToken)
    {
        var columns = ColumnsOf(table, rows);
        var keys = rows[0].Row.KeyColumns;
        var names = string.Join(", ", columns.Select(c => PgIdentifier.Quote(table.Columns[c].Name)));
        var nonKeys = columns.Select(c => table.Columns[c].Name).Where(n => !keys.Contains(n)).Select(PgIdentifier.Quote).ToList();
        string sql;
        if (updateOnly)
        {
            if (nonKeys.Count == 0)
            {
                return; // nothing to change
            }

            sql = $"UPDATE {table.Qualified} AS t SET {string.Join(", ", nonKeys.Select(c => $"{c} = u.{c}"))} "
                + $"FROM unnest({Parameters(columns.Count)}) AS u({names}) WHERE {string.Join(" AND ", keys.Select(k => $"t.{PgIdentifier.Quote(k)} = u.{PgIdentifier.Quote(k)}"))}";
        }
        else
        {
            var onConflict = nonKeys.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", nonKeys.Select(c => $"{c} = EXCLUDED.{c}"));
            sql = $"INSERT INTO {table.Qualified} ({names}) SELECT * FROM unnest({Parameters(columns.Count)}) "
                + $"ON CONFLICT ({string.Join(", ", keys.Select(PgIdentifier.Quote))}) {onConflict}";
        }

        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        AddArrays(cmd, table, columns, rows);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkTable table, List<PreparedRow> rows, CancellationToken cancellationToken)
    {
        var keys = rows[0].Row.KeyColumns.Select(k => table.IndexOf(k) is var i and >= 0 ? i : throw new DataException($"Table {table.Schema}.{table.Name} has no key column '{k}'.")).ToList();
        var names = keys.Select(k => PgIdentifier.Quote(table.Columns[k].Name)).ToList();
        var sql = $"DELETE FROM {table.Qualified} AS t USING unnest({Parameters(keys.Count)}) AS u({string.Join(", ", names)}) "
            + $"WHERE {string.Join(" AND ", names.Select(k => $"t.{k} = u.{k}"))}";
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        AddArrays(cmd, table, keys, rows);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => "@p" + i));

    private static void AddArrays(NpgsqlCommand cmd, SinkTable table, List<int> columns, List<PreparedRow> rows)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            var c = columns[i];
            var type = table.Columns[c].Type!;
            var values = new object?[rows.Count];
            for (var r = 0; r < rows.Count; r++)
            {
                values[r] = rows[r].Values[c];
            }

            cmd.Parameters.Add(new NpgsqlParameter("p" + i, NpgsqlTypes.NpgsqlDbType.Array | type.DbType) { Value = PgArrays.Create(type, values) });
        }
    }

    /// <summary>One statement cannot upsert a key twice: the last record of a key wins, as it would one by one.</summary>
    private static List<PreparedRow> LastPerKey(SinkTable table, List<PreparedRow> rows)
    {
        var keys = rows[0].Row.KeyColumns.Select(table.IndexOf).ToArray();
        var last = new Dictionary<object, int>();
        for (var i = 0; i < rows.Count; i++)
        {
            var values = rows[i].Values;
            object key = keys.Length == 1
                ? values[keys[0]] ?? DBNull.Value
                : string.Join("\u0001", keys.Select(k => Convert.ToString(values[k], System.Globalization.CultureInfo.InvariantCulture)));
            last[key] = i;
        }

        return last.Count == rows.Count ? rows : last.Values.Order().Select(i => rows[i]).ToList();
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
