using System.Collections.Immutable;
using Npgsql;
using Platform.Connect;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Creates and evolves target tables and writes rows into them inside the caller's transaction: inserts by
/// binary COPY (encoded by <see cref="BinaryCopyWriter"/>); upserts by the same COPY into a temporary table of the
/// session (<see cref="SinkTable.Stage"/>, emptied by each commit) and one <c>INSERT ... SELECT ... ON CONFLICT</c> from
/// it, which costs the sink less than arrays of each column's values (strings made from the JSON's bytes, then encoded
/// again) and PostgreSQL no more; updates and deletes through <c>unnest</c> of one typed array per column. One
/// statement per batch whatever its size. Rows are held by column (<see cref="TableBatch"/>).
/// </summary>
internal sealed class TableWriter(PostgresSinkConfig config)
{
    // Replaced, never changed: Prepare reads it on another thread while a put may load a table.
    private volatile ImmutableDictionary<(string, string), SinkTable> _tables = ImmutableDictionary<(string, string), SinkTable>.Empty;
    private readonly Dictionary<(string, string), TableBatch> _batches = [];
    private readonly BinaryCopyWriter _copy = new();

    // Prepare's buffers, used in turn: one batch is prepared while the one prepared before is being written.
    private readonly PrepareSlot[] _slots = [new(), new()];
    private int _nextSlot;

    /// <summary>Forgets cached table shapes (after a rollback undid DDL).</summary>
    public void Invalidate()
    {
        _tables = ImmutableDictionary<(string, string), SinkTable>.Empty;
        _batches.Clear();
    }

    /// <summary>The table for <paramref name="rows"/>, created or given new columns as <c>auto.create</c>/<c>auto.evolve</c> allow.</summary>
    private async Task<SinkTable> EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string name, List<SinkRow> rows,
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

        _tables = _tables.SetItem((schema, name), table);
        return table;
    }

    /// <summary>
    /// <paramref name="records"/> (one table's, in order) mapped onto the table's columns, the table created or evolved
    /// first when they need it. Records that cannot be mapped or whose values do not fit are added to
    /// <paramref name="errant"/> with the reason.
    /// </summary>
    public async Task<TableBatch> PrepareAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string schema, string name, List<SinkRecord> records,
        SinkRowMapper mapper, List<(SinkRecord Record, Exception Error)> errant, CancellationToken cancellationToken)
    {
        // The usual batch: the table is known and has every column; each record goes straight into the column buffers.
        if (_tables.GetValueOrDefault((schema, name)) is { } known)
        {
            var batch = BatchFor(known);
            var refused = new List<(SinkRecord, Exception)>();
            var complete = true;
            foreach (var record in records)
            {
                try
                {
                    var added = batch.TryAddJson(record, config);
                    if (added == JsonRowResult.Map)
                    {
                        var row = mapper.Map(record, scratch: true);
                        added = config.Evolve && batch.Lacks(row) ? JsonRowResult.Lacks : JsonRowResult.Added;
                        if (added == JsonRowResult.Added)
                        {
                            batch.Add(row);
                        }
                    }

                    if (added == JsonRowResult.Lacks)
                    {
                        complete = false;
                        break;
                    }
                }
                catch (DataException e)
                {
                    refused.Add((record, e));
                }
            }

            if (complete)
            {
                errant.AddRange(refused);
                return batch;
            }
        }

        // A new table or new columns: every row is mapped first, so the table is made for all of them.
        var rows = new List<SinkRow>(records.Count);
        foreach (var record in records)
        {
            try
            {
                rows.Add(mapper.Map(record));
            }
            catch (DataException e)
            {
                errant.Add((record, e));
            }
        }

        if (rows.Count == 0)
        {
            return BatchFor(_tables.GetValueOrDefault((schema, name)) ?? new SinkTable(schema, name, []));
        }

        var table = await EnsureAsync(conn, tx, schema, name, rows, cancellationToken).ConfigureAwait(false);
        var evolved = BatchFor(table);
        foreach (var row in rows)
        {
            try
            {
                evolved.Add(row);
            }
            catch (DataException e)
            {
                errant.Add((row.Record, e));
            }
        }

        return evolved;
    }

    /// <summary>The emptied batch of <paramref name="table"/>, its buffers reused while the table's shape stays the same.</summary>
    private TableBatch BatchFor(SinkTable table)
    {
        var key = (table.Schema, table.Name);
        if (_batches.GetValueOrDefault(key) is not { } batch || !ReferenceEquals(batch.Table, table))
        {
            _batches[key] = batch = new TableBatch(table);
        }

        batch.Reset();
        return batch;
    }

    /// <summary>Learns the shapes of those of <paramref name="targets"/> that exist and are not known yet (outside any transaction).</summary>
    public async Task LearnAsync(NpgsqlConnection conn, IEnumerable<(string Schema, string Table)> targets, CancellationToken cancellationToken)
    {
        foreach (var (schema, name) in targets)
        {
            if (!_tables.ContainsKey((schema, name)) && await LoadAsync(conn, null, schema, name, cancellationToken).ConfigureAwait(false) is { } table)
            {
                _tables = _tables.SetItem((schema, name), table);
            }
        }
    }

    private static async Task<SinkTable?> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, string name, CancellationToken cancellationToken)
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

    /// <summary>Writes one run of rows of <paramref name="batch"/> of the same kind (writes or deletes) in <c>batch.size</c> chunks.</summary>
    public async Task WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkSession session, TableBatch batch, List<int> rows,
        CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += config.Batch)
        {
            var chunk = start == 0 && rows.Count <= config.Batch ? rows : rows.GetRange(start, Math.Min(config.Batch, rows.Count - start));
            if (batch.IsDelete(chunk[0]))
            {
                await DeleteAsync(conn, tx, batch, chunk, cancellationToken).ConfigureAwait(false);
            }
            else if (config.Mode == "insert")
            {
                await CopyAsync(conn, batch, chunk, staged: false, cancellationToken).ConfigureAwait(false);
            }
            else if (config.Mode == "upsert")
            {
                await UpsertAsync(conn, tx, session, batch, LastPerKey(batch, chunk), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await UpdateAsync(conn, tx, batch, LastPerKey(batch, chunk), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The table's columns any of <paramref name="rows"/> has, in table order (positions).</summary>
    private static List<int> ColumnsOf(TableBatch batch, List<int> rows)
    {
        var used = new List<int>();
        for (var c = 0; c < batch.Table.Columns.Count; c++)
        {
            if (batch.Column(c) is { } column && column.UsedBy(rows))
            {
                used.Add(c);
            }
        }

        return used;
    }

    /// <summary>
    /// The write of <paramref name="records"/> (one table's, a whole put of at most <c>batch.size</c>) worked out ahead
    /// of its put, on the caller's thread while a put may run: every record mapped with <paramref name="mapper"/> (the
    /// caller's own), and the COPY rows encoded or the upsert's arrays built. Null when the batch needs what only a
    /// put may do (a table not yet known, new columns, deletes): the put then does it all.
    /// </summary>
    /// <exception cref="DataException">A record cannot be mapped or a value does not fit (the put reports it).</exception>
    public PreparedWrite? Prepare(string schema, string name, IReadOnlyList<SinkRecord> records, SinkRowMapper mapper)
    {
        if (records.Count > config.Batch || !_tables.TryGetValue((schema, name), out var table))
        {
            return null;
        }

        var slot = _slots[_nextSlot];
        _nextSlot ^= 1;
        if (slot.Batch is null || !ReferenceEquals(slot.Batch.Table, table))
        {
            slot.Batch = new TableBatch(table);
        }

        var batch = slot.Batch;
        batch.Reset();
        var rows = new List<int>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var added = batch.TryAddJson(records[i], config);
            if (added == JsonRowResult.Lacks)
            {
                return null;
            }

            if (added == JsonRowResult.Map)
            {
                var row = mapper.Map(records[i], scratch: true);
                if (row.IsDelete || (config.Evolve && batch.Lacks(row)))
                {
                    return null;
                }

                batch.Add(row);
            }

            rows.Add(i);
        }

        if (config.Mode == "update")
        {
            var statement = UpdateStatement(batch, LastPerKey(batch, rows));
            return new PreparedWrite(table, records, IsStaged: false, null, null, statement?.Sql, statement?.Parameters ?? []);
        }

        var upsert = config.Mode == "upsert";
        if (upsert)
        {
            rows = LastPerKey(batch, rows);
        }

        var (copySql, buffers) = CopyOf(batch, rows, upsert);
        slot.Copy.Begin();
        foreach (var row in rows)
        {
            EncodeRow(slot.Copy, buffers, row);
        }

        slot.Copy.End();
        return upsert
            ? new PreparedWrite(table, records, IsStaged: true, copySql, slot.Copy, UpsertFromStage(batch, rows), [])
            : new PreparedWrite(table, records, IsStaged: false, copySql, slot.Copy, null, []);
    }

    /// <summary>Whether <paramref name="prepared"/> was made for the table as it is now known (no rollback or evolution since).</summary>
    public bool IsCurrent(PreparedWrite prepared)
        => _tables.TryGetValue((prepared.Table.Schema, prepared.Table.Name), out var table) && ReferenceEquals(table, prepared.Table);

    /// <summary>
    /// Writes a prepared COPY (an upsert's into its stage, made first) inside the caller's transaction; the statement to
    /// follow (an upsert from the stage, an update) is returned, for the caller to send with its next ones (null: none).
    /// </summary>
    public static async Task<NpgsqlBatchCommand?> WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkSession session, PreparedWrite prepared,
        CancellationToken cancellationToken)
    {
        if (prepared.IsStaged)
        {
            await MakeStageAsync(conn, tx, session, prepared.Table, cancellationToken).ConfigureAwait(false);
        }

        if (prepared.Copy is { } copy)
        {
            await using var stream = await conn.BeginRawBinaryCopyAsync(prepared.CopySql!, cancellationToken).ConfigureAwait(false);
            try
            {
                await copy.FlushAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await CancelQuietlyAsync(stream).ConfigureAwait(false);
                throw;
            }
        }

        if (prepared.Sql is null)
        {
            return null; // an insert, or an update of key columns only: nothing (more) to send
        }

        var command = new NpgsqlBatchCommand(prepared.Sql);
        command.Parameters.AddRange(prepared.Parameters);
        return command;
    }

    /// <summary>
    /// The COPY statement for the columns <paramref name="rows"/> use, into the table or (<paramref name="staged"/>) its
    /// stage, and those columns' buffers.
    /// </summary>
    private static (string Sql, List<ColumnBuffer> Buffers) CopyOf(TableBatch batch, List<int> rows, bool staged)
    {
        var table = batch.Table;
        var columns = ColumnsOf(batch, rows);
        var sql = $"COPY {(staged ? table.Stage : table.Qualified)} ({ColumnList(table, columns)}) FROM STDIN (FORMAT BINARY)";
        return (sql, columns.ConvertAll(c => batch.Column(c)!));
    }

    private static string ColumnList(SinkTable table, List<int> columns) => string.Join(", ", columns.Select(c => PgIdentifier.Quote(table.Columns[c].Name)));

    /// <summary>
    /// Makes the table's stage in the session unless it has it: the table's columns as the sink knows them (the shape
    /// its name says), without constraints, so that the target table is the one that refuses a row; emptied by every commit.
    /// </summary>
    private static async Task MakeStageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkSession session, SinkTable table, CancellationToken cancellationToken)
    {
        if (session.HasStage(table.Stage))
        {
            return;
        }

        // IF NOT EXISTS: a session the task opened again may be one the pool had before, stage and all.
        await ExecuteAsync(conn, tx, $"CREATE TEMPORARY TABLE IF NOT EXISTS {table.Stage} "
            + $"({string.Join(", ", table.Columns.Select(c => $"{PgIdentifier.Quote(c.Name)} {c.DeclaredType}"))}) ON COMMIT DELETE ROWS", cancellationToken).ConfigureAwait(false);
        session.Made(table.Stage);
    }

    /// <summary>The upsert of the staged <paramref name="rows"/> (the last per key) into the table.</summary>
    private static string UpsertFromStage(TableBatch batch, List<int> rows)
    {
        var table = batch.Table;
        var columns = ColumnsOf(batch, rows);
        var keys = batch.KeyColumns(rows[0]);
        var nonKeys = columns.Select(c => table.Columns[c].Name).Where(n => !keys.Contains(n)).Select(PgIdentifier.Quote).ToList();
        var onConflict = nonKeys.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", nonKeys.Select(c => $"{c} = EXCLUDED.{c}"));
        var names = ColumnList(table, columns);
        return $"INSERT INTO {table.Qualified} ({names}) SELECT {names} FROM {table.Stage} "
            + $"ON CONFLICT ({string.Join(", ", keys.Select(PgIdentifier.Quote))}) {onConflict}";
    }

    private static void EncodeRow(BinaryCopyWriter copy, List<ColumnBuffer> buffers, int row)
    {
        copy.StartRow(buffers.Count);
        foreach (var buffer in buffers)
        {
            buffer.Encode(copy, row);
        }
    }

    private async Task CopyAsync(NpgsqlConnection conn, TableBatch batch, List<int> rows, bool staged, CancellationToken cancellationToken)
    {
        var (copy, buffers) = CopyOf(batch, rows, staged);
        await using var stream = await conn.BeginRawBinaryCopyAsync(copy, cancellationToken).ConfigureAwait(false);
        try
        {
            _copy.Begin();
            foreach (var row in rows)
            {
                EncodeRow(_copy, buffers, row);
                if (_copy.Pending >= BinaryCopyWriter.FlushBytes)
                {
                    await _copy.FlushAsync(stream, cancellationToken).ConfigureAwait(false);
                }
            }

            _copy.End();
            await _copy.FlushAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Abandoned with a CopyFail: disposing the stream would otherwise complete the COPY with the rows sent so far.
            await CancelQuietlyAsync(stream).ConfigureAwait(false);
            throw;
        }

        // Disposing the stream completes the COPY; the server's refusal of a row (a constraint) surfaces there as a PostgresException.
    }

    /// <summary>Cancels a COPY whose writing failed; the failure being reported matters, not a second one from a connection it broke.</summary>
    private static async Task CancelQuietlyAsync(NpgsqlRawCopyStream stream)
    {
        try
        {
            await stream.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Upserts <paramref name="rows"/> through the stage. The stage is emptied first only when the transaction wrote into
    /// it before (a batch of more than <c>batch.size</c> rows, rows after a delete, rows one by one under savepoints):
    /// a TRUNCATE gives the stage a new file and catalog rows, a statement and work PostgreSQL need not do for the usual
    /// put, which writes the stage once and has it emptied by its commit.
    /// </summary>
    private async Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SinkSession session, TableBatch batch, List<int> rows,
        CancellationToken cancellationToken)
    {
        await MakeStageAsync(conn, tx, session, batch.Table, cancellationToken).ConfigureAwait(false);
        if (session.Fills(batch.Table.Stage))
        {
            await ExecuteAsync(conn, tx, $"TRUNCATE {batch.Table.Stage}", cancellationToken).ConfigureAwait(false);
        }

        await CopyAsync(conn, batch, rows, staged: true, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(conn, tx, UpsertFromStage(batch, rows), cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TableBatch batch, List<int> rows, CancellationToken cancellationToken)
    {
        if (UpdateStatement(batch, rows) is not { } statement)
        {
            return; // nothing to change
        }

        await using var cmd = new NpgsqlCommand(statement.Sql, conn, tx);
        cmd.Parameters.AddRange(statement.Parameters);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The update of <paramref name="rows"/> and its array parameters; null when it has no column to change.</summary>
    private static (string Sql, NpgsqlParameter[] Parameters)? UpdateStatement(TableBatch batch, List<int> rows)
    {
        var table = batch.Table;
        var columns = ColumnsOf(batch, rows);
        var keys = batch.KeyColumns(rows[0]);
        var nonKeys = columns.Select(c => table.Columns[c].Name).Where(n => !keys.Contains(n)).Select(PgIdentifier.Quote).ToList();
        if (nonKeys.Count == 0)
        {
            return null;
        }

        var sql = $"UPDATE {table.Qualified} AS t SET {string.Join(", ", nonKeys.Select(c => $"{c} = u.{c}"))} "
            + $"FROM unnest({Parameters(columns.Count)}) AS u({ColumnList(table, columns)}) WHERE {string.Join(" AND ", keys.Select(k => $"t.{PgIdentifier.Quote(k)} = u.{PgIdentifier.Quote(k)}"))}";
        return (sql, Arrays(batch, columns, rows));
    }

    private static async Task DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TableBatch batch, List<int> rows, CancellationToken cancellationToken)
    {
        var table = batch.Table;
        var keys = batch.KeyColumns(rows[0]).Select(k => table.IndexOf(k) is var i and >= 0 ? i : throw new DataException($"Table {table.Schema}.{table.Name} has no key column '{k}'.")).ToList();
        var names = keys.Select(k => PgIdentifier.Quote(table.Columns[k].Name)).ToList();
        var sql = $"DELETE FROM {table.Qualified} AS t USING unnest({Parameters(keys.Count)}) AS u({string.Join(", ", names)}) "
            + $"WHERE {string.Join(" AND ", names.Select(k => $"t.{k} = u.{k}"))}";
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddRange(Arrays(batch, keys, rows));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => "$" + (i + 1)));

    /// <summary>One typed array parameter per column (Npgsql sends them in binary).</summary>
    private static NpgsqlParameter[] Arrays(TableBatch batch, List<int> columns, List<int> rows)
        => [.. columns.Select(c =>
        {
            var buffer = batch.Column(c) ?? throw new DataException($"Column '{batch.Table.Columns[c].Name}' of {batch.Table.Schema}.{batch.Table.Name} "
                + $"has type {batch.Table.Columns[c].DeclaredType}, which the sink cannot write.");
            return buffer.ToArrayParameter(rows);
        })];

    /// <summary>Prepare's buffers for one batch.</summary>
    private sealed class PrepareSlot
    {
        public TableBatch? Batch { get; set; }

        public BinaryCopyWriter Copy { get; } = new();
    }

    /// <summary>One statement cannot upsert a key twice: the last record of a key wins, as it would one by one.</summary>
    private static List<int> LastPerKey(TableBatch batch, List<int> rows)
    {
        var keys = batch.KeyColumns(rows[0]).Select(k => batch.Column(batch.Table.IndexOf(k))
            ?? throw new DataException($"Table {batch.Table.Schema}.{batch.Table.Name} has no writable key column '{k}'.")).ToArray();
        if (keys.Length == 1)
        {
            return keys[0].LastPerValue(rows);
        }

        var last = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            last[string.Join("\u0001", keys.Select(k => Convert.ToString(k.Get(row), System.Globalization.CultureInfo.InvariantCulture)))] = i;
        }

        return last.Count == rows.Count ? rows : [.. last.Values.Order().Select(i => rows[i])];
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
