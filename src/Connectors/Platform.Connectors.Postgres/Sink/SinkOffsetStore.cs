using Npgsql;
using Platform.Connect.Connectors;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// The sink's consumed offsets, in a table of the target database (<c>connector, topic, partition, next_offset</c>),
/// written in the same transaction as the rows: the database alone says what has been written, so a crash between
/// the write and the consumer group's commit neither loses nor repeats rows.
/// </summary>
internal sealed class SinkOffsetStore(string table, string connector)
{
    private readonly string _table = Quote(table);
    private string? _upsert;
    private bool _created;

    private static string Quote(string table)
    {
        var (schema, name) = PgIdentifier.Split(table);
        return PgIdentifier.Qualified(schema, name);
    }

    public async Task EnsureCreatedAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        try
        {
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {_table} (connector text NOT NULL, topic text NOT NULL, partition integer NOT NULL, "
                + "next_offset bigint NOT NULL, PRIMARY KEY (connector, topic, partition))", conn);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another task created it at the same moment.
        }

        _created = true;
    }

    /// <summary>The stored next offsets of <paramref name="partitions"/> (partitions never written are absent).</summary>
    public async Task<Dictionary<TopicPartitionRef, long>> ReadAsync(NpgsqlConnection conn, IReadOnlyCollection<TopicPartitionRef> partitions,
        CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand($"SELECT topic, partition, next_offset FROM {_table} WHERE connector = $1", conn);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = connector });
        var wanted = partitions.ToHashSet();
        var stored = new Dictionary<TopicPartitionRef, long>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var tp = new TopicPartitionRef(reader.GetString(0), reader.GetInt32(1));
            if (wanted.Contains(tp))
            {
                stored[tp] = reader.GetInt64(2);
            }
        }

        return stored;
    }

    /// <summary>
    /// Upserts the next offsets of the batch's partitions (typed arrays, one statement however many partitions) and
    /// commits <paramref name="tx"/>, after <paramref name="first"/> when given (the batch's last write): one round trip
    /// for them all, as a loader that sends its last statement and COMMIT together makes. A failing statement skips
    /// the rest (the COMMIT too), and disposing the transaction rolls it back.
    /// </summary>
    public async Task WriteAndCommitAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<TopicPartitionRef, long> offsets,
        NpgsqlBatchCommand? first, CancellationToken cancellationToken)
    {
        _upsert ??= $"INSERT INTO {_table} (connector, topic, partition, next_offset) SELECT $1, * FROM unnest($2, $3, $4) "
            + "ON CONFLICT (connector, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset";
        var topics = new string[offsets.Count];
        var partitions = new int[offsets.Count];
        var nexts = new long[offsets.Count];
        var i = 0;
        foreach (var (tp, next) in offsets)
        {
            topics[i] = tp.Topic;
            partitions[i] = tp.Partition;
            nexts[i++] = next;
        }

        await using var batch = new NpgsqlBatch(conn, tx);
        if (first is not null)
        {
            batch.BatchCommands.Add(first);
        }

        var upsert = new NpgsqlBatchCommand(_upsert);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = connector });
        upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = topics });
        upsert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = partitions });
        upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = nexts });
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
