using System.Diagnostics;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Platform.Connect;
using Platform.Connectors.Postgres.Sink;

namespace Platform.Benchmarks;

/// <summary>
/// The PostgreSQL sink against hand-written loaders of the same rows into the same table shape, in the same run, with
/// the same rows per transaction (<c>--batch</c>). Insert: a raw binary COPY from typed arrays in memory (Npgsql's typed
/// importer, as a hand-written loader uses it; the sink encodes its COPY rows itself, at less CPU per row) against the
/// sink reading JSON records from our broker (its own process) through a Connect worker in this process (binary COPY plus the exactly-once offsets row,
/// one transaction per put). Upsert: the fastest of three hand-written batched <c>INSERT ... ON CONFLICT DO UPDATE</c>s
/// (multi-row VALUES, unnest arrays, a binary COPY into a temporary table and INSERT ... SELECT from it) against the sink, all updating every row of a prefilled table. The sink's time
/// runs from the first record its task reads until put returned for the last one; the records are in the topic
/// before the connector starts, so the broker read and JSON decode are the sink's cost, the producer's time is not.
/// The "task alone" rows feed the same records, already converted (the JSON converter's objects, whose JSON the task
/// still reads), straight to the task (no broker, no runtime).
/// Each step's CPU time (this process, the broker, PostgreSQL's processes) and allocations per row are printed too: on
/// a shared machine they move less than the rates. <c>--only insert</c> or <c>--only upsert</c> runs one half.
/// Every step first runs <c>--warmup</c> untimed rounds (2 by default) on the same rows and table state, so the first
/// timed round does not measure the JIT, a cold pool or PostgreSQL's cold caches for one side only, and each step waits
/// for the background JIT to settle before its clock starts; the insert rounds alternate which side goes first. The
/// process promotes a method to tier 1 after its first call (see Platform.Benchmarks.csproj), so the code a connector
/// runs once per start (its REST calls, config checks, group join) is optimized in the warm-up, not compiled again in
/// a timed run (with one warm-up round the first timed sink run still compiled some 700 methods of that code, the
/// second none).
/// PostgreSQL's CPU per statement is the same for the sink's upsert as for the hand staged one (log_statement_stats,
/// 5,000-row batches: the INSERT ... SELECT from the stage 18.8 against 19.0 ms, the COPY into it 3.07 against 3.09 ms);
/// the sink's postgres figure also holds what each connector start costs the server (the offsets table's check, the
/// table's shape), outside the timed span of the rates. A start takes its session from the pool the sink tasks of the
/// process share (kept a minute after the last task stops), as a worker restarting its tasks does: no new backend,
/// authentication or Npgsql type loading after the first warm-up run.
/// The database is PLATFORM_TEST_PG or --pg (tests/pg.sh starts one).
/// </summary>
internal static class ConnectBenchmark
{
    private const string Columns = "(id bigint, name text, qty int, price double precision, at timestamptz)";
    private const string UpsertColumns = "(id bigint PRIMARY KEY, name text, qty int, price double precision, at timestamptz)";
    private const string OnConflict = " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, at = EXCLUDED.at";

    public static async Task<int> RunAsync(Options options)
    {
        var count = options.Int("rows", 200_000);
        var batch = options.Int("batch", 5_000);
        var rounds = options.Int("rounds", 3);
        var warmups = options.Int("warmup", 2);
        var connection = options.String("pg", Environment.GetEnvironmentVariable("PLATFORM_TEST_PG") ?? "");
        if (connection.Length == 0)
        {
            throw new ArgumentException("Give --pg CONNECTION-STRING or set PLATFORM_TEST_PG (eval \"$(tests/pg.sh start)\").");
        }

        var rows = BenchRows.Create(count);
        var updated = rows.WithNameSuffix("*");
        await using var db = NpgsqlDataSource.Create(connection);
        await ExecuteAsync(db, "DROP TABLE IF EXISTS bench, bench_raw, bench_upsert, __connect_offsets; "
            + $"CREATE TABLE bench_raw {Columns}; CREATE TABLE bench {Columns}; CREATE TABLE bench_upsert {UpsertColumns}");
        await using var runner = await ConnectSinkRunner.StartAsync(options.String("broker", BrokerProcess.DefaultPath()));
        runner.Fill("bench-insert", rows.Json());
        runner.Fill("bench-upsert", updated.Json());

        Report.Heading($"PostgreSQL sink: {count:N0} rows, {batch:N0} per transaction, {warmups} untimed warm-up round(s) ({Report.Load()})");
        var only = options.String("only", "insert,upsert").Split(',');
        var insert = only.Contains("insert");
        var upsert = only.Contains("upsert");
        var copy = new List<double>();
        var sinkInsert = new List<double>();
        var taskInsert = new List<double>();
        var values = new List<double>();
        var unnest = new List<double>();
        var staged = new List<double>();
        var sinkUpsert = new List<double>();
        var taskUpsert = new List<double>();
        var batches = new List<double>();
        var costs = new Dictionary<string, CostMeter>();
        var warm = false;
        async Task<double> Measured(string step, Func<Task<double>> run)
        {
            if (warm)
            {
                await run();
                return 0;
            }

            if (!costs.TryGetValue(step, out var meter))
            {
                costs[step] = meter = new CostMeter(runner.BrokerPid, new NpgsqlConnectionStringBuilder(connection).Port);
            }

            // Each step starts from a collected heap: what the step before left (the decoded records the task-alone steps are
            // given, made just before) is not collected and promoted on this step's clock.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            await JitSettledAsync();
            meter.Start();
            var seconds = await run();
            meter.Stop(count);
            return count / seconds;
        }

        Task<double> Timed(string step, Func<Task> action) => Measured(step, () => TimeAsync(action));
        void Keep(List<double> list, double value)
        {
            if (!warm)
            {
                list.Add(value);
            }
        }

        for (var round = -warmups; round < rounds; round++)
        {
            warm = round < 0;
            var tag = warm ? $"warmup{-round}" : round.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (insert)
            {
                async Task Copy()
                {
                    await ExecuteAsync(db, "TRUNCATE bench_raw");
                    Keep(copy, await Timed("raw binary COPY", () => RawCopyAsync(db, rows, batch)));
                }

                async Task Sink()
                {
                    await ExecuteAsync(db, "TRUNCATE bench");
                    var name = $"insert-{tag}";
                    Keep(sinkInsert, await Measured("sink insert", () => runner.RunAsync(name, count, SinkConfig(connection, "bench-insert", batch, "insert", "bench"))));
                    Keep(batches, runner.LastBatches);
                }

                // Alternating who goes first: neither side always meets the other's leftovers (dirty pages, autovacuum).
                if (round % 2 == 0)
                {
                    await Copy();
                    await Sink();
                }
                else
                {
                    await Sink();
                    await Copy();
                }

                await ExecuteAsync(db, "TRUNCATE bench");
                var inserts = Decode(rows, keyed: false);
                var config = SinkConfig(connection, "bench-insert", batch, "insert", "bench", $"task-insert-{tag}");
                Keep(taskInsert, await Timed("task insert", () => TaskAloneAsync(config, inserts, batch)));
            }

            if (upsert)
            {
                await PrefillAsync(db, rows, batch);
                Keep(values, await Timed("hand VALUES upsert", () => ValuesUpsertAsync(db, updated, batch)));
                await PrefillAsync(db, rows, batch);
                Keep(unnest, await Timed("hand unnest upsert", () => UnnestUpsertAsync(db, updated, batch)));
                await PrefillAsync(db, rows, batch);
                Keep(staged, await Timed("hand staged upsert", () => StagedUpsertAsync(db, updated, batch)));
                await PrefillAsync(db, rows, batch);
                var name = $"upsert-{tag}";
                Keep(sinkUpsert, await Measured("sink upsert", () => runner.RunAsync(name, count, SinkConfig(connection, "bench-upsert", batch, "upsert", "bench_upsert"))));
                Keep(batches, runner.LastBatches);
                await PrefillAsync(db, rows, batch);
                var upserts = Decode(updated, keyed: true);
                var config = SinkConfig(connection, "bench-upsert", batch, "upsert", "bench_upsert", $"task-upsert-{tag}");
                Keep(taskUpsert, await Timed("task upsert", () => TaskAloneAsync(config, upserts, batch)));
            }
        }

        if (insert)
        {
            Report.Row("raw binary COPY", copy, "rows/s", 0);
            Report.Row("sink insert (exactly-once)", sinkInsert, "rows/s", 0);
            Report.Row("  task alone, no broker", taskInsert, "rows/s", 0);
            var insertRatio = Report.Median(sinkInsert) / Report.Median(copy);
            var perRound = string.Join(", ", sinkInsert.Zip(copy, (s, c) => Report.Percent(s / c)));
            Console.WriteLine($"  sink insert / raw COPY: {Report.Percent(insertRatio)} (per round: {perRound})   goal >= 80%: {Report.Goal(insertRatio >= 0.8)}");
        }

        if (upsert)
        {
            Report.Row("hand INSERT VALUES upsert", values, "rows/s", 0);
            Report.Row("hand unnest upsert", unnest, "rows/s", 0);
            Report.Row("hand staged COPY upsert", staged, "rows/s", 0);
            Report.Row("sink upsert (exactly-once)", sinkUpsert, "rows/s", 0);
            Report.Row("  task alone, no broker", taskUpsert, "rows/s", 0);
            var best = Math.Max(Math.Max(Report.Median(values), Report.Median(unnest)), Report.Median(staged));
            var upsertRatio = Report.Median(sinkUpsert) / best;
            var perRound = string.Join(", ", sinkUpsert.Select((s, i) => Report.Percent(s / Math.Max(Math.Max(values[i], unnest[i]), staged[i]))));
            Console.WriteLine($"  sink upsert / best hand-written: {Report.Percent(upsertRatio)} (per round: {perRound})   goal >= 90%: {Report.Goal(upsertRatio >= 0.9)}");
        }

        Report.Row("sink puts per run", batches, "puts", 0);
        Console.WriteLine("  cost per row (medians; the broker is idle outside the sink runs):");
        foreach (var (step, meter) in costs)
        {
            meter.Print(step);
        }

        await ExecuteAsync(db, "DROP TABLE IF EXISTS bench, bench_raw, bench_upsert, __connect_offsets");
        return 0;
    }

    /// <summary>The sink's config: schemaless JSON values (the converter's default), the table created beforehand with the raw loader's shape, <paramref name="batch"/> rows per poll and per statement.</summary>
    private static Dictionary<string, string> SinkConfig(string connection, string topic, int batch, string mode, string table, string? name = null)
    {
        var config = new Dictionary<string, string>
        {
            ["connector.class"] = "PostgresSink",
            ["tasks.max"] = "1",
            ["connection.url"] = connection,
            ["topics"] = topic,
            ["insert.mode"] = mode,
            ["table.name.format"] = table,
            ["batch.size"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["consumer.override.max.poll.records"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (mode == "upsert")
        {
            config["pk.mode"] = "record_key";
        }

        if (name is not null)
        {
            config["name"] = name;
        }

        return config;
    }

    /// <summary>
    /// Waits until this process has compiled no method for a while (at most 20 s): the background tier-1 compilations the
    /// steps before queued (a hot method is compiled again once called often enough) run before a step's clock starts,
    /// not on it.
    /// </summary>
    private static async Task JitSettledAsync()
    {
        var deadline = Stopwatch.GetTimestamp() + (20 * Stopwatch.Frequency);
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(500);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                return;
            }

            compiled = now;
        }
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

    /// <summary>What a hand-written loader does: one binary COPY per batch from typed arrays, each in its own transaction.</summary>
    private static async Task RawCopyAsync(NpgsqlDataSource db, BenchRows rows, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        for (var start = 0; start < rows.Count; start += batch)
        {
            await using var tx = await conn.BeginTransactionAsync();
            await CopyRowsAsync(conn, "bench_raw", rows, start, Math.Min(start + batch, rows.Count));

            await tx.CommitAsync();
        }
    }

    /// <summary>Rows <paramref name="start"/> to <paramref name="end"/> into <paramref name="table"/> by one binary COPY, from the typed arrays.</summary>
    private static async Task CopyRowsAsync(NpgsqlConnection conn, string table, BenchRows rows, int start, int end)
    {
        await using var writer = await conn.BeginBinaryImportAsync($"COPY {table} (id, name, qty, price, at) FROM STDIN (FORMAT BINARY)");
        for (var i = start; i < end; i++)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(rows.Id[i], NpgsqlDbType.Bigint);
            await writer.WriteAsync(rows.Name[i], NpgsqlDbType.Text);
            await writer.WriteAsync(rows.Qty[i], NpgsqlDbType.Integer);
            await writer.WriteAsync(rows.Price[i], NpgsqlDbType.Double);
            await writer.WriteAsync(rows.At[i], NpgsqlDbType.TimestampTz);
        }

        await writer.CompleteAsync();
    }

    private static async Task PrefillAsync(NpgsqlDataSource db, BenchRows rows, int batch)
    {
        await ExecuteAsync(db, "TRUNCATE bench_upsert; TRUNCATE bench_raw");
        await RawCopyAsync(db, rows, batch);
        await ExecuteAsync(db, "INSERT INTO bench_upsert SELECT * FROM bench_raw");
        await ExecuteAsync(db, "VACUUM ANALYZE bench_upsert");
    }

    /// <summary>The textbook batched upsert: INSERT ... VALUES (...), (...) ON CONFLICT, five parameters per row (at most 65,535 per statement).</summary>
    private static async Task ValuesUpsertAsync(NpgsqlDataSource db, BenchRows rows, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        var perStatement = Math.Min(batch, 65_535 / 5);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var end = Math.Min(start + perStatement, rows.Count);
            await using var tx = await conn.BeginTransactionAsync();
            var sql = new StringBuilder("INSERT INTO bench_upsert (id, name, qty, price, at) VALUES ");
            await using var cmd = new NpgsqlCommand { Connection = conn, Transaction = tx };
            for (var i = start; i < end; i++)
            {
                var p = (i - start) * 5;
                sql.Append(i == start ? "" : ", ").Append($"(${p + 1}, ${p + 2}, ${p + 3}, ${p + 4}, ${p + 5})");
                cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rows.Id[i], NpgsqlDbType = NpgsqlDbType.Bigint });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rows.Name[i], NpgsqlDbType = NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rows.Qty[i], NpgsqlDbType = NpgsqlDbType.Integer });
                cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = rows.Price[i], NpgsqlDbType = NpgsqlDbType.Double });
                cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = rows.At[i], NpgsqlDbType = NpgsqlDbType.TimestampTz });
            }

            cmd.CommandText = sql.Append(OnConflict).ToString();
            await cmd.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
    }

    /// <summary>
    /// The array form: one typed array parameter per column, unnest'ed into rows; the statement and its COMMIT go in one
    /// batch (one round trip per transaction, as the sink sends its last statement with its offsets and COMMIT).
    /// </summary>
    private static async Task UnnestUpsertAsync(NpgsqlDataSource db, BenchRows rows, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        for (var start = 0; start < rows.Count; start += batch)
        {
            var length = Math.Min(batch, rows.Count - start);
            await using var tx = await conn.BeginTransactionAsync();
            await using var statements = new NpgsqlBatch(conn, tx);
            var upsert = new NpgsqlBatchCommand("INSERT INTO bench_upsert (id, name, qty, price, at) SELECT * FROM unnest($1, $2, $3, $4, $5)" + OnConflict);
            upsert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Id.AsSpan(start, length).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Name.AsSpan(start, length).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Qty.AsSpan(start, length).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = rows.Price.AsSpan(start, length).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = rows.At.AsSpan(start, length).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            statements.BatchCommands.Add(upsert);
            statements.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await statements.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// The staging form: each batch binary-COPied into a temporary table (made once, emptied at each commit), then one
    /// <c>INSERT ... SELECT ... ON CONFLICT</c> from it and the COMMIT in one batch.
    /// </summary>
    private static async Task StagedUpsertAsync(NpgsqlDataSource db, BenchRows rows, int batch)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE bench_stage (LIKE bench_upsert) ON COMMIT DELETE ROWS", conn))
        {
            await create.ExecuteNonQueryAsync();
        }

        for (var start = 0; start < rows.Count; start += batch)
        {
            await using var tx = await conn.BeginTransactionAsync();
            await CopyRowsAsync(conn, "bench_stage", rows, start, Math.Min(start + batch, rows.Count));

            await using var statements = new NpgsqlBatch(conn, tx);
            statements.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO bench_upsert (id, name, qty, price, at) SELECT * FROM bench_stage" + OnConflict));
            statements.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await statements.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The records as the JSON converter gives them to this sink (schemaless; objects keep their checked document), for the task alone.</summary>
    private static List<SinkRecord> Decode(BenchRows rows, bool keyed)
    {
        var converter = new Platform.Connect.Converters.JsonConverter();
        converter.Configure(new Dictionary<string, string>(), isKey: false);
        return [.. rows.Json().Select((m, i) => new SinkRecord("bench", 0, null, keyed ? converter.ToConnectDataKeepingDocument("bench", m.Key, false, check: true).Value : null,
            null, converter.ToConnectDataKeepingDocument("bench", m.Value, false, check: true).Value, i))];
    }

    /// <summary>The task without broker or runtime: decoded records put in batches.</summary>
    private static async Task TaskAloneAsync(Dictionary<string, string> config, List<SinkRecord> records, int batch)
    {
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
