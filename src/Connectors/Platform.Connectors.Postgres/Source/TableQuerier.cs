using System.Data;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Platform.Connect;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Source;

/// <summary>
/// Reads one table (or the configured query) for the source task, remembering where it is.
/// </summary>
/// <remarks>
/// <para>The JDBC source's flaw: it remembers the largest id (or timestamp) it read, and a transaction that took a
/// smaller id (or wrote an older timestamp, e.g. <c>now()</c> is the transaction's start) but committed after
/// that read is never seen. Here every poll is one REPEATABLE READ transaction whose snapshot
/// (<c>pg_current_snapshot()</c>: <c>xmin:xmax:in-progress xids</c>) is remembered with the position, in the
/// source offset. The next poll reads, besides the rows past the position, every row at or before the position
/// whose writing transaction was not visible in the remembered snapshot
/// (<c>NOT pg_visible_in_snapshot(row xmin, previous snapshot)</c>): exactly the rows that committed after the
/// previous read, so late rows arrive and rows already read are not read again.</para>
/// <para>The row's 32-bit <c>xmin</c> is widened to the 64-bit <c>xid8</c> with the current epoch (a row's
/// transaction is older than the snapshot's <c>xmax</c>, so a value above <c>xmax</c>'s low half belongs to the
/// previous epoch). Changes to existing rows by transactions that committed after the previous poll also pass
/// that test; in incrementing mode they are read again (the row's current version), which can only add records,
/// never lose one. The late-row test needs the table's system column, so it applies to tables, not to
/// <c>query</c>.</para>
/// </remarks>
internal sealed class TableQuerier
{
    private const string SnapshotKey = "snapshot";
    private const string IncrementingKey = "incrementing";
    private const string TimestampKey = "timestamp";
    private const string TimestampNanosKey = "timestamp_nanos";

    // The row's xmin as xid8 (see remarks); c.x is the current snapshot's xmax as bigint.
    private const string RowXid8 =
        "((((c.x >> 32) - (CASE WHEN t.xmin::text::bigint > (c.x & 4294967295) THEN 1 ELSE 0 END)) << 32) | t.xmin::text::bigint)::text::xid8";

    private const string EpochCte = "(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x) c";

    private readonly PostgresSourceConfig _config;
    private readonly string? _schemaName;
    private readonly string _name;
    private readonly string _from;
    private readonly IReadOnlyDictionary<string, object?> _partition;
    private List<(string Name, string Select, PgType? Type)> _columns = [];
    private Schema? _schema;
    private string _incrementing = "";
    private string _timestamp = "";
    private long _lastIncrementing = -1;
    private DateTime _lastTimestamp = DateTime.UnixEpoch;
    private string? _snapshot;

    /// <summary>A querier for <c>schema.table</c>.</summary>
    public TableQuerier(PostgresSourceConfig config, string schema, string table)
    {
        _config = config;
        _schemaName = schema;
        _name = table;
        _from = PgIdentifier.Qualified(schema, table) + " t";
        Topic = config.Prefix + table;
        _partition = new Dictionary<string, object?> { ["protocol"] = "1", ["table"] = schema + "." + table };
    }

    /// <summary>A querier for the configured query.</summary>
    public TableQuerier(PostgresSourceConfig config)
    {
        _config = config;
        _name = "query";
        _from = "(" + config.QueryText + ") t";
        Topic = config.Prefix;
        _partition = new Dictionary<string, object?> { ["protocol"] = "1", ["query"] = "query" };
    }

    public string Topic { get; }

    public IReadOnlyDictionary<string, object?> Partition => _partition;

    private bool IsTable => _schemaName is not null;

    /// <summary>Reads the columns, checks the mode's columns and resumes from <paramref name="offset"/>.</summary>
    public async Task InitializeAsync(NpgsqlDataSource db, IReadOnlyDictionary<string, object?>? offset, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"SELECT t.* FROM {_from} LIMIT 0", conn);
        await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SchemaOnly | CommandBehavior.KeyInfo, cancellationToken).ConfigureAwait(false);
        var columns = await reader.GetColumnSchemaAsync(cancellationToken).ConfigureAwait(false);
        var builder = SchemaBuilder.Struct().Name(_name);
        var list = new List<(string, string, PgType?)>();
        foreach (var column in columns)
        {
            var type = PgType.Find(column.DataTypeName ?? "");
            var optional = column.AllowDBNull ?? true;
            var scale = type == PgType.Numeric && column.NumericScale is { } s and >= 0 && column.NumericPrecision is > 0 ? s : (int?)null;
            var quoted = "t." + PgIdentifier.Quote(column.ColumnName);
            builder.Field(column.ColumnName, type?.ConnectSchema(optional, scale) ?? PgType.FallbackSchema(optional));
            // Types without a mapping are read in their text form.
            list.Add((column.ColumnName, type is null ? $"{quoted}::text AS {PgIdentifier.Quote(column.ColumnName)}" : quoted, type));
            if (_config.CheckNonNull && optional && (column.ColumnName == _config.Incrementing || (_config.UsesTimestamp && _config.Timestamps.Contains(column.ColumnName))))
            {
                throw new ConnectException($"Column '{column.ColumnName}' of {_name} is nullable; rows with null there would never be read "
                    + $"(make it NOT NULL or set {PostgresSourceConfig.ValidateNonNull}=false).");
            }
        }

        if (_config.UsesIncrementing)
        {
            _incrementing = "t." + PgIdentifier.Quote(RequireColumn(list, _config.Incrementing, PostgresSourceConfig.IncrementingColumn));
        }

        if (_config.UsesTimestamp)
        {
            var parts = _config.Timestamps.Select(c => "t." + PgIdentifier.Quote(RequireColumn(list, c, PostgresSourceConfig.TimestampColumn))).ToList();
            _timestamp = parts.Count == 1 ? parts[0] : $"COALESCE({string.Join(", ", parts)})";
        }

        _columns = list;
        _schema = builder.Build();
        Resume(offset);
    }

    private string RequireColumn(List<(string Name, string Select, PgType? Type)> columns, string name, string key)
        => columns.Exists(c => c.Name == name) ? name : throw new ConnectException($"'{key}' names column '{name}', which {_name} does not have.");

    private void Resume(IReadOnlyDictionary<string, object?>? offset)
    {
        if (_config.InitialTimestampMs is { } initial)
        {
            _lastTimestamp = initial == -1 ? DateTime.UtcNow : DateTime.UnixEpoch.AddMilliseconds(initial);
        }

        if (offset is null)
        {
            return;
        }

        if (offset.TryGetValue(IncrementingKey, out var inc) && inc is not null)
        {
            _lastIncrementing = Convert.ToInt64(inc, CultureInfo.InvariantCulture);
        }

        if (offset.TryGetValue(TimestampKey, out var ms) && ms is not null)
        {
            var millis = Convert.ToInt64(ms, CultureInfo.InvariantCulture);
            var nanos = offset.TryGetValue(TimestampNanosKey, out var n) && n is not null ? Convert.ToInt64(n, CultureInfo.InvariantCulture) : (millis % 1000) * 1_000_000;
            _lastTimestamp = DateTime.UnixEpoch.AddTicks((long)Math.Floor(millis / 1000.0) * TimeSpan.TicksPerSecond + (nanos / 100));
        }

        _snapshot = offset.TryGetValue(SnapshotKey, out var snap) ? snap as string : null;
    }

    /// <summary>One poll: late rows first, then up to batch.max.rows rows past the position, in one snapshot.</summary>
    public async Task<List<SourceRecord>> PollAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        string snapshot;
        await using (var snap = new NpgsqlCommand("SELECT pg_current_snapshot()::text", conn, tx))
        {
            snapshot = (string)(await snap.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var previous = (Snapshot: _snapshot, Incrementing: _lastIncrementing, Timestamp: _lastTimestamp);
        var rows = new List<(Struct Value, long Inc, DateTime Ts, string? Ctid)>();
        if (_config.ModeName != PostgresSourceConfig.ModeBulk && IsTable && _snapshot is not null)
        {
            await ReadAsync(conn, tx, LateQuery(), rows, cancellationToken).ConfigureAwait(false);
        }

        var late = rows.Count;
        await ReadAsync(conn, tx, MainQuery(), rows, cancellationToken).ConfigureAwait(false);
        if (_config.ModeName == PostgresSourceConfig.ModeTimestamp && IsTable && rows.Count - late == _config.MaxRows)
        {
            // The batch ended inside a run of equal timestamps maybe: take the rest of that run, or they'd be skipped.
            await ReadAsync(conn, tx, TiesQuery(rows[^1].Ts, rows[^1].Ctid!), rows, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<SourceRecord>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var (value, inc, ts, _) = rows[i];
            if (i >= late)
            {
                // Rows come in position order: incrementing by id, timestamp+incrementing by (timestamp, id).
                if (_config.ModeName == PostgresSourceConfig.ModeTimestampIncrementing)
                {
                    (_lastTimestamp, _lastIncrementing) = (ts, inc);
                }
                else
                {
                    _lastIncrementing = _config.UsesIncrementing ? Math.Max(_lastIncrementing, inc) : _lastIncrementing;
                    _lastTimestamp = _config.UsesTimestamp && ts > _lastTimestamp ? ts : _lastTimestamp;
                }
            }

            // Every record but the poll's last carries the previous snapshot: resuming from any of them reads this
            // poll's late rows again (duplicates at worst); the last one vouches for the whole poll.
            var isLast = i == rows.Count - 1;
            records.Add(new SourceRecord(_partition, Offset(isLast ? snapshot : previous.Snapshot), Topic, _schema, value));
        }

        _snapshot = snapshot;
        return records;
    }

    private Dictionary<string, object?> Offset(string? snapshot)
    {
        var offset = new Dictionary<string, object?>();
        if (_config.ModeName == PostgresSourceConfig.ModeBulk)
        {
            return offset;
        }

        if (_config.UsesIncrementing)
        {
            offset[IncrementingKey] = _lastIncrementing;
        }

        if (_config.UsesTimestamp)
        {
            var ticks = _lastTimestamp.Ticks - DateTime.UnixEpoch.Ticks;
            offset[TimestampKey] = ticks / TimeSpan.TicksPerMillisecond;
            offset[TimestampNanosKey] = ticks % TimeSpan.TicksPerSecond * 100;
        }

        if (snapshot is not null && IsTable)
        {
            offset[SnapshotKey] = snapshot;
        }

        return offset;
    }

    private string Select => string.Join(", ", _columns.Select(c => c.Select))
        + (_config.UsesIncrementing ? $", ({_incrementing})::bigint AS \"__inc\"" : "")
        + (_config.UsesTimestamp ? $", ({_timestamp})::timestamptz AS \"__ts\"" : "")
        + (TiesByCtid ? ", t.ctid::text AS \"__ctid\"" : "");

    private bool TiesByCtid => _config.ModeName == PostgresSourceConfig.ModeTimestamp && IsTable;

    private string OrderBy => _config.ModeName switch
    {
        PostgresSourceConfig.ModeIncrementing => $" ORDER BY {_incrementing}",
        PostgresSourceConfig.ModeTimestamp => IsTable ? $" ORDER BY {_timestamp}, t.ctid" : $" ORDER BY {_timestamp}",
        PostgresSourceConfig.ModeTimestampIncrementing => $" ORDER BY {_timestamp}, {_incrementing}",
        _ => "",
    };

    private string PastPosition => _config.ModeName switch
    {
        PostgresSourceConfig.ModeIncrementing => $"{_incrementing} > @inc",
        PostgresSourceConfig.ModeTimestamp => $"{_timestamp} > @ts",
        _ => $"({_timestamp} > @ts OR ({_timestamp} = @ts AND {_incrementing} > @inc))",
    };

    private string UpperBound => _config.UsesTimestamp ? $" AND {_timestamp} < CURRENT_TIMESTAMP - make_interval(secs => @delay)" : "";

    private (string Sql, Action<NpgsqlParameterCollection>? Bind) MainQuery()
    {
        if (_config.ModeName == PostgresSourceConfig.ModeBulk)
        {
            return ($"SELECT {Select} FROM {_from}", null);
        }

        // Timestamp mode over a query cannot break ties after a LIMIT (no ctid), so it reads the whole range.
        var limit = _config.ModeName == PostgresSourceConfig.ModeTimestamp && !IsTable ? "" : " LIMIT @max";
        return ($"SELECT {Select} FROM {_from} WHERE {PastPosition}{UpperBound}{OrderBy}{limit}", BindPosition);
    }

    private (string Sql, Action<NpgsqlParameterCollection>? Bind) LateQuery()
    {
        void Bind(NpgsqlParameterCollection p)
        {
            BindPosition(p);
            p.AddWithValue("snapshot", _snapshot!);
        }

        return ($"SELECT {Select} FROM {_from}, {EpochCte} WHERE NOT {PastPosition} AND NOT pg_visible_in_snapshot({RowXid8}, @snapshot::pg_snapshot){OrderBy}", Bind);
    }

    private (string Sql, Action<NpgsqlParameterCollection>? Bind) TiesQuery(DateTime ts, string ctid)
    {
        void Bind(NpgsqlParameterCollection p)
        {
            p.Add(new NpgsqlParameter("tie", NpgsqlDbType.TimestampTz) { Value = ts });
            p.AddWithValue("ctid", ctid);
        }

        return ($"SELECT {Select} FROM {_from} WHERE {_timestamp} = @tie AND t.ctid > @ctid::tid ORDER BY t.ctid", Bind);
    }

    private void BindPosition(NpgsqlParameterCollection p)
    {
        p.AddWithValue("inc", _lastIncrementing);
        p.Add(new NpgsqlParameter("ts", NpgsqlDbType.TimestampTz) { Value = _lastTimestamp });
        p.AddWithValue("delay", _config.Delay.TotalSeconds);
        p.AddWithValue("max", _config.MaxRows);
    }

    private async Task ReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, (string Sql, Action<NpgsqlParameterCollection>? Bind) query,
        List<(Struct, long, DateTime, string?)> rows, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(query.Sql, conn, tx);
        query.Bind?.Invoke(cmd.Parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var incOrdinal = _config.UsesIncrementing ? reader.GetOrdinal("__inc") : -1;
        var tsOrdinal = _config.UsesTimestamp ? reader.GetOrdinal("__ts") : -1;
        var ctidOrdinal = TiesByCtid ? reader.GetOrdinal("__ctid") : -1;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var value = new Struct(_schema!);
            for (var i = 0; i < _columns.Count; i++)
            {
                var field = _schema!.Fields[i];
                value.Put(field.Name, PgType.ToConnect(reader.IsDBNull(i) ? null : reader.GetValue(i), field.Schema));
            }

            var inc = incOrdinal >= 0 && !reader.IsDBNull(incOrdinal) ? reader.GetInt64(incOrdinal) : 0;
            var ts = tsOrdinal >= 0 && !reader.IsDBNull(tsOrdinal) ? DateTime.SpecifyKind(reader.GetDateTime(tsOrdinal), DateTimeKind.Utc) : DateTime.MinValue;
            rows.Add((value, inc, ts, ctidOrdinal >= 0 ? reader.GetString(ctidOrdinal) : null));
        }
    }
}
