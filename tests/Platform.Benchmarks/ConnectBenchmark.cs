using System.Diagnostics;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Platform.Connect;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Sink;

namespace Platform.Benchmarks;

/// <summary>
/// The PostgreSQL sink against hand-written SQL on the same rows and database, per round: insert mode (binary COPY
/// plus the exactly-once offsets row, one transaction per put) against a raw binary COPY; upsert mode against the
/// faster of two hand-written batched <c>INSERT ... ON CONFLICT DO UPDATE</c>s (multi-row VALUES and unnest arrays),
/// all updating every row of a prefilled table. The database is PLATFORM_TEST_PG or --pg (tests/pg.sh starts one).
/// </summary>
internal static class ConnectBenchmark
{
    private static readonly Schema ValueSchema = SchemaBuilder.Struct().Name("bench")
        .Field("id", Schema.Int64Schema)
        .Field("name", Schema.StringSchema)
        .Field("qty", Schema.Int32Schema)
        .Field("price", Schema.Float64Schema)
        .Field("at", SchemaBuilder.Int64().Name("org.apache.kafka.connect.data.Timestamp").Build())
        .Build();

    private static readonly Schema KeySchema = SchemaBuilder.Struct().Name("key").Field("id", Schema.Int64Schema).Build();

    public static async Task<int> RunAsync(Options options)
    {
        var rows = options.Int("rows", 200_000);
        var batch = options.Int("batch", 5_000);
        var rounds = options.Int("rounds", 3);
        var connection = options.String("pg", Environment.GetEnvironmentVariable("PLATFORM_TEST_PG") ?? "");
        if (connection.Length == 0)
        {
            throw new ArgumentException("Give --pg CONNECTION-STRING or set PLATFORM_TEST_PG (eval \"$(tests/pg.sh start)\").");
        }

        var at = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var records = Enumerable.Range(0, rows).Select(i => new SinkRecord("bench", 0, KeySchema, new Struct(KeySchema).Put("id", (long)i), ValueSchema,
            new Struct(ValueSchema).Put("id", (long)i).Put("name", "name-" + i).Put("qty", i % 100).Put("price", i * 0.5).Put("at", at.AddSeconds(i)), i)).ToList();
        await using var db = NpgsqlDataSource.Create(connection);
        await ExecuteAsync(db, "DROP TABLE IF EXISTS bench, bench_raw, bench_upsert, __connect_offsets; "
            + "CREATE TABLE bench_raw (id bigint, name text, qty int, price double precision, at timestamptz); "
            + "CREATE TABLE bench_upsert (id bigint PRIMARY KEY, name text, qty int, price double precision, at timestamptz)");

        Report.Heading($"PostgreSQL sink: {rows:N0} rows, {batch:N0} per put/statement ({Report.Load()})");
        var copy = new List<double>();
        var sinkInsert = new List<double>();
        var values = new List<double>();
        var unnest = new List<double>();
        var sinkUpsert = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            await ExecuteAsync(db, "TRUNCATE bench_raw");
            copy.Add(rows / await TimeAsync(() => RawCopyAsync(db, records, batch)));

            await ExecuteAsync(db, "DROP TABLE IF EXISTS bench, __connect_offsets");
            sinkInsert.Add(rows / await TimeAsync(() => SinkAsync(connection, records, batch, ("insert.mode", "insert"), ("table.name.format", "bench"))));

            await PrefillAsync(db, records, batch);
            values.Add(rows / await TimeAsync(() => ValuesUpsertAsync(db, records, Math.Min(batch, 10_000))));
            await PrefillAsync(db, records, batch);
            unnest.Add(rows / await TimeAsync(() => UnnestUpsertAsync(db, records, batch)));
            await PrefillAsync(db, records, batch);
            await ExecuteAsync(db, "DROP TABLE IF EXISTS __connect_offsets");
            sinkUpsert.Add(rows / await TimeAsync(() => SinkAsync(connection, records, batch, ("insert.mode", "upsert"), ("pk.mode", "record_key"),
                ("table.name.format", "bench_upsert"))));
        }

        Report.Row("raw binary COPY", copy, "rows/s", 0);
        Report.Row("sink insert (exactly-once)", sinkInsert, "rows/s", 0);
        var insertRatio = Report.Median(sinkInsert) / Report.Median(copy);
        Console.WriteLine($"  sink insert / raw COPY: {Report.Percent(insertRatio)}   goal >= 80%: {Report.Goal(insertRatio >= 0.8)}");
        Report.Row("hand INSERT VALUES upsert", values, "rows/s", 0);
        Report.Row("hand unnest upsert", unnest, "rows/s", 0);
        Report.Row("sink upsert (exactly-once)", sinkUpsert, "rows/s", 0);
        var best = Math.Max(Report.Median(values), Report.Median(unnest));
        var upsertRatio = Report.Median(sinkUpsert) / best;
        Console.WriteLine($"  sink upsert / best hand-written: {Report.Percent(upsertRatio)}   goal >= 90%: {Report.Goal(upsertRatio >= 0.9)}");
        await ExecuteAsync(db, "DROP TABLE IF EXISTS bench, bench_raw, bench_upsert, __connect_offsets");
        return 0;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private static object? Get(SinkRecord record, string field) => ((Struct)record.Value!).Get(field);

    /// <summary>What a hand-written loader does: one binary COPY per batch, each in its own transaction.</summary>
    private static async Task RawCopyAsync(NpgsqlDataSource db, List<SinkRecord> records, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        foreach (var chunk in records.Chunk(batch))
        {
            await using var tx = await conn.BeginTransactionAsync();
            await using (var writer = await conn.BeginBinaryImportAsync("COPY bench_raw (id, name, qty, price, at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var r in chunk)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync((long)Get(r, "id")!, NpgsqlDbType.Bigint);
                    await writer.WriteAsync((string)Get(r, "name")!, NpgsqlDbType.Text);
                    await writer.WriteAsync((int)Get(r, "qty")!, NpgsqlDbType.Integer);
                    await writer.WriteAsync((double)Get(r, "price")!, NpgsqlDbType.Double);
                    await writer.WriteAsync((DateTime)Get(r, "at")!, NpgsqlDbType.TimestampTz);
                }

                await writer.CompleteAsync();
            }

            await tx.CommitAsync();
        }
    }

    private static async Task PrefillAsync(NpgsqlDataSource db, List<SinkRecord> records, int batch)
    {
        await ExecuteAsync(db, "TRUNCATE bench_upsert; TRUNCATE bench_raw");
        await RawCopyAsync(db, records, batch);
        await ExecuteAsync(db, "INSERT INTO bench_upsert SELECT * FROM bench_raw");
        await ExecuteAsync(db, "VACUUM ANALYZE bench_upsert");
    }

    /// <summary>The textbook batched upsert: INSERT ... VALUES (...), (...) ON CONFLICT, five parameters per row.</summary>
    private static async Task ValuesUpsertAsync(NpgsqlDataSource db, List<SinkRecord> records, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        foreach (var chunk in records.Chunk(Math.Min(batch, 65_535 / 5)))
        {
            await using var tx = await conn.BeginTransactionAsync();
            var sql = new StringBuilder("INSERT INTO bench_upsert (id, name, qty, price, at) VALUES ");
            await using var cmd = new NpgsqlCommand { Connection = conn, Transaction = tx };
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append($"(${(i * 5) + 1}, ${(i * 5) + 2}, ${(i * 5) + 3}, ${(i * 5) + 4}, ${(i * 5) + 5})");
                cmd.Parameters.Add(new NpgsqlParameter { Value = Get(chunk[i], "id"), NpgsqlDbType = NpgsqlDbType.Bigint });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (string)Get(chunk[i], "name")! + "*", NpgsqlDbType = NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter { Value = Get(chunk[i], "qty"), NpgsqlDbType = NpgsqlDbType.Integer });
                cmd.Parameters.Add(new NpgsqlParameter { Value = Get(chunk[i], "price"), NpgsqlDbType = NpgsqlDbType.Double });
                cmd.Parameters.Add(new NpgsqlParameter { Value = Get(chunk[i], "at"), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            }

            sql.Append(" ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, at = EXCLUDED.at");
            cmd.CommandText = sql.ToString();
            await cmd.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
    }

    /// <summary>The array form: one typed array parameter per column, unnest'ed into rows.</summary>
    private static async Task UnnestUpsertAsync(NpgsqlDataSource db, List<SinkRecord> records, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        foreach (var chunk in records.Chunk(batch))
        {
            await using var tx = await conn.BeginTransactionAsync();
            await using var cmd = new NpgsqlCommand("INSERT INTO bench_upsert (id, name, qty, price, at) SELECT * FROM unnest($1, $2, $3, $4, $5) "
                + "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, at = EXCLUDED.at", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(r => (long)Get(r, "id")!).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(r => (string)Get(r, "name")! + "*").ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(r => (int)Get(r, "qty")!).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(r => (double)Get(r, "price")!).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(r => (DateTime)Get(r, "at")!).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            await cmd.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
    }

    private static async Task SinkAsync(string connection, List<SinkRecord> records, int batch, params (string Key, string Value)[] settings)
    {
        var config = new Dictionary<string, string> { ["name"] = "bench", ["connection.url"] = connection, ["topics"] = "bench", ["auto.create"] = "true" };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        var context = new ConnectBenchmarkContext(config);
        var task = new PostgresSinkTask();
        task.Initialize(context);
        await task.StartAsync(config);
        await task.OpenAsync(context.Assignment);
        foreach (var chunk in records.Chunk(batch))
        {
            await task.PutAsync(chunk, CancellationToken.None);
        }

        await task.StopAsync();
        if (context.Errant > 0)
        {
            throw new InvalidOperationException($"{context.Errant} records were reported errant.");
        }
    }
}
