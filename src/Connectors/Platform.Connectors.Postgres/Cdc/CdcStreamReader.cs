using System.Data;
using System.Threading.Channels;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using Platform.Connect;
using Platform.Connect.Data;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>
/// Reads a database's changes for the CDC task: makes sure the publication and slot exist, reads the initial
/// snapshot in the snapshot the slot exported when it was created (so the snapshot and the stream meet exactly
/// at the slot's consistent point), then streams pgoutput messages as Debezium change events. Events at or before
/// <see cref="Position"/> (what was already handed out, or the stored offset after a restart) are read but not
/// emitted again, so a restart neither repeats nor skips an event.
/// </summary>
internal sealed class CdcStreamReader(PostgresCdcConfig config, ChannelWriter<CdcItem> output, CdcPosition start, bool snapshot)
{
    /// <summary>The prefix of the logical decoding messages the task writes as heartbeats.</summary>
    public const string HeartbeatPrefix = "platform-heartbeat";

    private static readonly Schema HeartbeatKeySchema = SchemaBuilder.Struct().Name("io.debezium.connector.common.ServerNameKey")
        .Field("serverName", Schema.StringSchema).Build();

    private static readonly Schema HeartbeatValueSchema = SchemaBuilder.Struct().Name("io.debezium.connector.common.Heartbeat")
        .Field("ts_ms", Schema.Int64Schema).Build();

    private readonly Dictionary<uint, CdcTable?> _relations = [];
    private readonly IReadOnlyDictionary<string, object?> _partition = new Dictionary<string, object?> { ["server"] = config.Prefix };
    private LogicalReplicationConnection? _replication;
    private volatile bool _streaming;
    private bool _snapshot = snapshot;

    /// <summary>The last event handed out (or resumed from).</summary>
    public CdcPosition Position { get; private set; } = start;

    /// <summary>Whether a snapshot still has to be (re)done.</summary>
    public bool SnapshotPending => _snapshot;

    /// <summary>Tells the server that WAL up to <paramref name="lsn"/> is consumed (sent with the next status update).</summary>
    public void Confirm(ulong lsn) => _replication?.SetReplicationStatus(new NpgsqlLogSequenceNumber(lsn));

    /// <summary>Sends the confirmed position now rather than at the next status interval.</summary>
    public async Task SendStatusAsync(CancellationToken cancellationToken)
    {
        // Npgsql's feedback state exists only once the stream runs (before, SendStatusUpdate fails inside Npgsql);
        // until then the periodic status update carries the confirmed position.
        if (_replication is { } replication && _streaming)
        {
            try
            {
                await replication.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Not streaming (yet, or any more): the next status update carries it.
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var db = NpgsqlDataSource.Create(config.ConnectionString);
        await EnsurePublicationAsync(db, cancellationToken).ConfigureAwait(false);
        if (config.Snapshot == "initial_only")
        {
            if (_snapshot)
            {
                await SnapshotAsync(db, null, 0, cancellationToken).ConfigureAwait(false);
                _snapshot = false;
            }

            return; // nothing is streamed, and no slot holds WAL
        }

        await using var replication = new LogicalReplicationConnection(config.ConnectionString);
        await replication.Open(cancellationToken).ConfigureAwait(false);
        bool slotExists;
        await using (var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = @s", conn))
        {
            cmd.Parameters.AddWithValue("s", config.Slot);
            slotExists = (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
        }

        PgOutputReplicationSlot slot;
        if (_snapshot)
        {
            // A snapshot must match the slot's start exactly: a new slot exports its snapshot, the old one is of no use.
            if (slotExists)
            {
                await replication.DropReplicationSlot(config.Slot, wait: true, cancellationToken).ConfigureAwait(false);
            }

            slot = await replication.CreatePgOutputReplicationSlot(config.Slot, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.Export,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await SnapshotAsync(db, slot.SnapshotName, (ulong)slot.ConsistentPoint, cancellationToken).ConfigureAwait(false);
            _snapshot = false;
        }
        else if (!slotExists)
        {
            slot = await replication.CreatePgOutputReplicationSlot(config.Slot, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            slot = new PgOutputReplicationSlot(config.Slot);
        }

        var options = new PgOutputReplicationOptions(config.Publication, PgOutputProtocolVersion.V1, binary: false,
            messages: config.Heartbeat > TimeSpan.Zero ? true : null);
        _replication = replication;
        try
        {
            await StreamAsync(db, replication, slot, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _streaming = false;
            _replication = null;
        }
    }

    private async Task StreamAsync(NpgsqlDataSource db, LogicalReplicationConnection replication, PgOutputReplicationSlot slot,
        PgOutputReplicationOptions options, CancellationToken cancellationToken)
    {
        var tx = new TxState();
        await foreach (var message in replication.StartReplication(slot, options, cancellationToken).ConfigureAwait(false))
        {
            _streaming = true;
            switch (message)
            {
                case BeginMessage begin:
                    tx = new TxState
                    {
                        FinalLsn = (ulong)begin.TransactionFinalLsn,
                        Xid = begin.TransactionXid,
                        CommitTime = begin.TransactionCommitTimestamp,
                    };
                    break;
                case RelationMessage relation:
                    _relations[relation.RelationId] = config.Captures(relation.Namespace, relation.RelationName)
                        ? await TableAsync(db, relation.RelationId, relation.Namespace, relation.RelationName,
                            relation.Columns.Select(c => new CdcColumn(c.ColumnName, c.DataTypeId, c.TypeModifier)).ToList(), cancellationToken).ConfigureAwait(false)
                        : null;
                    break;
                case InsertMessage insert when Captured(insert.Relation) is { } table:
                    var inserted = await ReadAsync(table, insert.NewRow, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "c", null, inserted, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case FullUpdateMessage full when Captured(full.Relation) is { } table:
                    var old = await ReadAsync(table, full.OldRow, cancellationToken).ConfigureAwait(false);
                    var updated = await ReadAsync(table, full.NewRow, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "u", old, updated, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case IndexUpdateMessage keyChange when Captured(keyChange.Relation) is { } table:
                    // The primary key changed: like Debezium, a delete of the old key (and its tombstone), then a create.
                    var oldKey = await ReadAsync(table, keyChange.Key, cancellationToken).ConfigureAwait(false);
                    var newRow = await ReadAsync(table, keyChange.NewRow, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "d", oldKey, null, message.WalStart, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "c", null, newRow, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case UpdateMessage update when Captured(update.Relation) is { } table:
                    var after = await ReadAsync(table, update.NewRow, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "u", null, after, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case FullDeleteMessage fullDelete when Captured(fullDelete.Relation) is { } table:
                    var deleted = await ReadAsync(table, fullDelete.OldRow, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "d", deleted, null, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case KeyDeleteMessage keyDelete when Captured(keyDelete.Relation) is { } table:
                    var key = await ReadAsync(table, keyDelete.Key, cancellationToken).ConfigureAwait(false);
                    await EmitAsync(tx, table, "d", key, null, message.WalStart, cancellationToken).ConfigureAwait(false);
                    break;
                case LogicalDecodingMessage { Prefix: HeartbeatPrefix }:
                    await HeartbeatAsync(tx, cancellationToken).ConfigureAwait(false);
                    break;
                case CommitMessage commit:
                    await output.WriteAsync(new CdcItem(null, (ulong)commit.TransactionEndLsn), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    break; // truncates, types, origins, uncaptured tables
            }
        }
    }

    private CdcTable? Captured(RelationMessage relation) => _relations.GetValueOrDefault(relation.RelationId);

    private static async Task<object?[]> ReadAsync(CdcTable table, ReplicationTuple tuple, CancellationToken cancellationToken)
    {
        var values = new object?[table.Columns.Count];
        var i = 0;
        await foreach (var value in tuple.ConfigureAwait(false))
        {
            if (i < values.Length && !value.IsDBNull)
            {
                if (value.IsUnchangedToastedValue)
                {
                    values[i] = table.ValueSchema.Fields[i].Schema.Type == Platform.Connect.Data.SchemaType.String ? CdcTable.UnavailableValue : null;
                }
                else
                {
                    using var reader = value.GetTextReader();
                    values[i] = table.Parse(i, await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                }
            }

            i++;
        }

        return values;
    }

    private async Task EmitAsync(TxState tx, CdcTable table, string op, object?[]? before, object?[]? after, NpgsqlLogSequenceNumber lsn,
        CancellationToken cancellationToken)
    {
        var keyValues = after ?? before!;
        var source = Source(table, tx.CommitTime, "false", tx.Xid, (ulong)lsn);
        var value = table.Envelope(before is null ? null : table.Row(before), after is null ? null : table.Row(after), op, source);
        await PushAsync(tx, table.Topic, table.KeySchema, table.Key(keyValues), table.EnvelopeSchema, value, cancellationToken).ConfigureAwait(false);
        if (op == "d" && config.Tombstones)
        {
            await PushAsync(tx, table.Topic, table.KeySchema, table.Key(keyValues), null, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HeartbeatAsync(TxState tx, CancellationToken cancellationToken)
    {
        var key = new Struct(HeartbeatKeySchema).Put("serverName", config.Prefix);
        var value = new Struct(HeartbeatValueSchema).Put("ts_ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await PushAsync(tx, config.HeartbeatTopic, HeartbeatKeySchema, key, HeartbeatValueSchema, value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands out the transaction's next event unless it was handed out before (then it only counts).</summary>
    private async Task PushAsync(TxState tx, string topic, Schema? keySchema, object? key, Schema? valueSchema, object? value, CancellationToken cancellationToken)
    {
        tx.Event++;
        var position = new CdcPosition(tx.FinalLsn, tx.Event, true);
        if (position.CompareTo(Position) <= 0)
        {
            return;
        }

        var offset = position.ToOffset(tx.Xid);
        await output.WriteAsync(new CdcItem(new SourceRecord(_partition, offset, topic, null, keySchema, key, valueSchema, value, tx.CommitTime), 0),
            cancellationToken).ConfigureAwait(false);
        Position = position;
    }

    private Struct Source(CdcTable table, DateTime time, string snapshot, uint? xid, ulong lsn)
        => new Struct(CdcTable.SourceSchema)
            .Put("version", typeof(CdcStreamReader).Assembly.GetName().Version?.ToString() ?? "0.0.0")
            .Put("connector", "postgresql")
            .Put("name", config.Prefix)
            .Put("ts_ms", new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds())
            .Put("snapshot", snapshot)
            .Put("db", config.Database)
            .Put("schema", table.SchemaName)
            .Put("table", table.Name)
            .Put("txId", xid is { } x ? (long)x : null)
            .Put("lsn", lsn == 0 ? null : (long)lsn);

    private async Task<CdcTable> TableAsync(NpgsqlDataSource db, uint oid, string schema, string name, List<CdcColumn> columns, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
            + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = @oid AND i.indisprimary ORDER BY k.n", conn);
        cmd.Parameters.Add(new NpgsqlParameter("oid", NpgsqlDbType.Oid) { Value = oid });
        var key = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            key.Add(reader.GetString(0));
        }

        return new CdcTable(config.Prefix, schema, name, columns, key);
    }

    private async Task EnsurePublicationAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT count(*) FROM pg_publication WHERE pubname = @p", conn))
        {
            exists.Parameters.AddWithValue("p", config.Publication);
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0)
            {
                return;
            }
        }

        string sql;
        switch (config.Autocreate)
        {
            case "all_tables":
                sql = $"CREATE PUBLICATION {Common.PgIdentifier.Quote(config.Publication)} FOR ALL TABLES";
                break;
            case "filtered":
                var tables = await CapturedTablesAsync(conn, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                    + "AND table_schema NOT IN ('pg_catalog', 'information_schema')", cancellationToken).ConfigureAwait(false);
                if (tables.Count == 0)
                {
                    throw new ConnectException($"No table matches {PostgresCdcConfig.TableInclude}/{PostgresCdcConfig.TableExclude}: nothing to publish.");
                }

                sql = $"CREATE PUBLICATION {Common.PgIdentifier.Quote(config.Publication)} FOR TABLE "
                    + string.Join(", ", tables.Select(t => Common.PgIdentifier.Qualified(t.Schema, t.Table)));
                break;
            default:
                throw new ConnectException($"Publication '{config.Publication}' does not exist and {PostgresCdcConfig.PublicationAutocreate} is disabled.");
        }

        await using var create = new NpgsqlCommand(sql, conn);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<(string Schema, string Table)>> CapturedTablesAsync(NpgsqlConnection conn, string sql, CancellationToken cancellationToken,
        NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddWithValue("p", config.Publication);
        var tables = new List<(string, string)>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (config.Captures(reader.GetString(0), reader.GetString(1)))
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        return tables;
    }

    /// <summary>
    /// Reads every captured table of the publication as read events (<c>op: r</c>), in the slot's exported snapshot
    /// (or, for initial_only, any consistent snapshot). The last record's offset marks the snapshot complete.
    /// </summary>
    private async Task SnapshotAsync(NpgsqlDataSource db, string? snapshotName, ulong consistentPoint, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        if (snapshotName is not null)
        {
            await using var set = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshotName.Replace("'", "''", StringComparison.Ordinal)}'", conn, tx);
            await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var tables = await CapturedTablesAsync(conn, "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = @p ORDER BY 1, 2",
            cancellationToken, tx).ConfigureAwait(false);
        (CdcTable Table, object?[] Values)? pending = null;
        long index = 0;
        foreach (var (schema, name) in tables)
        {
            var columns = new List<CdcColumn>();
            uint oid;
            await using (var cols = new NpgsqlCommand(
                "SELECT a.attname, a.atttypid, a.atttypmod, c.oid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                + "WHERE a.attrelid = to_regclass(@t) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", conn, tx))
            {
                cols.Parameters.AddWithValue("t", Common.PgIdentifier.Qualified(schema, name));
                await using var reader = await cols.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                oid = 0;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    columns.Add(new CdcColumn(reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetInt32(2)));
                    oid = reader.GetFieldValue<uint>(3);
                }
            }

            var table = await TableAsync(db, oid, schema, name, columns, cancellationToken).ConfigureAwait(false);
            // Every column in its text form: parsed exactly as the stream's values are.
            var select = string.Join(", ", columns.Select(c => Common.PgIdentifier.Quote(c.Name) + "::text"));
            await using var rows = new NpgsqlCommand($"SELECT {select} FROM {Common.PgIdentifier.Qualified(schema, name)}", conn, tx);
            await using var data = await rows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await data.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = new object?[columns.Count];
                for (var i = 0; i < columns.Count; i++)
                {
                    values[i] = data.IsDBNull(i) ? null : table.Parse(i, data.GetString(i));
                }

                if (pending is { } p)
                {
                    await SnapshotRecordAsync(p.Table, p.Values, ++index, consistentPoint, last: false, cancellationToken).ConfigureAwait(false);
                }

                pending = (table, values);
            }
        }

        if (pending is { } final)
        {
            await SnapshotRecordAsync(final.Table, final.Values, ++index, consistentPoint, last: true, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        Position = new CdcPosition(consistentPoint, 0, true);
        if (consistentPoint > 0)
        {
            await output.WriteAsync(new CdcItem(null, consistentPoint), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SnapshotRecordAsync(CdcTable table, object?[] values, long index, ulong consistentPoint, bool last, CancellationToken cancellationToken)
    {
        var source = Source(table, DateTime.UtcNow, last ? "last" : "true", null, consistentPoint);
        var value = table.Envelope(null, table.Row(values), "r", source);
        var offset = new Dictionary<string, object?>
        {
            [CdcPosition.LsnKey] = (long)consistentPoint,
            [CdcPosition.EventKey] = index,
            [CdcPosition.SnapshotKey] = true,
            [CdcPosition.SnapshotCompletedKey] = last,
        };
        await output.WriteAsync(new CdcItem(new SourceRecord(_partition, offset, table.Topic, null, table.KeySchema, table.Key(values),
            table.EnvelopeSchema, value, DateTime.UtcNow), 0), cancellationToken).ConfigureAwait(false);
    }

    private sealed class TxState
    {
        public ulong FinalLsn { get; init; }

        public uint? Xid { get; init; }

        public DateTime CommitTime { get; init; }

        public long Event { get; set; }
    }
}
