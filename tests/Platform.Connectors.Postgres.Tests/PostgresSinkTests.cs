using Npgsql;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Sink;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connectors.Postgres.Tests;

public sealed class PostgresSinkTests : IAsyncLifetime
{
    private static readonly TopicPartitionRef Orders0 = new("orders", 0);

    private static readonly Schema KeySchema = SchemaBuilder.Struct().Name("key").Field("id", Schema.Int64Schema).Build();

    private static readonly Schema ValueSchema = SchemaBuilder.Struct().Name("order")
        .Field("id", Schema.Int64Schema)
        .Field("item", Schema.StringSchema)
        .Field("qty", Schema.OptionalInt32Schema)
        .Field("price", SchemaBuilder.Bytes().Name("org.apache.kafka.connect.data.Decimal").Parameter("scale", "2").Optional().Build())
        .Field("at", SchemaBuilder.Int64().Name("org.apache.kafka.connect.data.Timestamp").Optional().Build())
        .Build();

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Dictionary<string, string> Config(params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["name"] = "sink-test",
            ["connection.url"] = _db.JdbcUrl,
            ["topics"] = "orders",
            ["auto.create"] = "true",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static SinkRecord Order(long offset, long id, string item, int? qty = null, bool withKey = true)
    {
        var value = new Struct(ValueSchema).Put("id", id).Put("item", item).Put("qty", qty).Put("price", 1.25m)
            .Put("at", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        return new SinkRecord("orders", 0, withKey ? KeySchema : null, withKey ? new Struct(KeySchema).Put("id", id) : null, ValueSchema, value, offset);
    }

    private static SinkRecord Tombstone(long offset, long id) => new("orders", 0, KeySchema, new Struct(KeySchema).Put("id", id), null, null, offset);

    private async Task<(PostgresSinkTask Task, TestSinkContext Context)> StartAsync(Dictionary<string, string> config)
    {
        var context = new TestSinkContext(config, Orders0);
        return (await context.StartAsync(new PostgresSinkTask()), context);
    }

    private Task<List<string>> RowsAsync(string sql = "SELECT id || ':' || item || ':' || coalesce(qty::text, '-') FROM orders ORDER BY id")
        => _db.RowsAsync(sql);

    [Fact]
    public async Task Put_InsertModeWithSchema_CreatesTableAndCopiesRows()
    {
        var (task, _) = await StartAsync(Config());

        await task.PutAsync([Order(0, 1, "a", 3), Order(1, 2, "b")], CancellationToken.None);

        Assert.Equal(["1:a:3", "2:b:-"], await RowsAsync());
        Assert.Equal(["id:bigint", "item:text", "qty:integer", "price:numeric", "at:timestamp with time zone"],
            await RowsAsync("SELECT attname || ':' || format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum"));
        Assert.Equal(1.25m, await _db.ScalarAsync<decimal>("SELECT price FROM orders WHERE id = 1"));
        Assert.Equal("2024-01-02 03:04:05+00", await _db.ScalarAsync<string>("SELECT at::text FROM orders WHERE id = 1"));
        Assert.Equal(2L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets WHERE connector = 'sink-test' AND topic = 'orders' AND partition = 0"));
        await task.StopAsync();
    }

    [Theory]
    [InlineData("insert")]
    [InlineData("upsert")]
    public async Task Put_EveryWritableColumnType_CopiesTheValuesExactly(string mode)
    {
        // The sink encodes binary COPY itself (an upsert's into a temporary table of the same column types): every column
        // type it writes, nulls, numeric digit groups and infinities read back as sent.
        await _db.ExecuteAsync("CREATE TABLE types (i2 smallint, i4 integer PRIMARY KEY, i8 bigint, f4 real, f8 double precision, n numeric, n2 numeric(12,2), n3 numeric, "
            + "b boolean, t text, vc varchar(10), c char(3), by bytea, ts timestamp, tz timestamptz, d date, tm time, u uuid, j json, jb jsonb)");
        var (task, context) = await StartAsync(mode == "insert"
            ? Config(("table.name.format", "types"))
            : Config(("table.name.format", "types"), ("insert.mode", "upsert"), ("pk.mode", "record_value"), ("pk.fields", "i4")));
        var columns = new[] { "i2", "i4", "i8", "f4", "f8", "n", "n2", "n3", "b", "t", "vc", "c", "by", "ts", "tz", "d", "tm", "u", "j", "jb" };
        var full = new Dictionary<string, object?>
        {
            ["i2"] = -7L,
            ["i4"] = 1L,
            ["i8"] = 9_007_199_254_740_993L,
            ["f4"] = 1.5,
            ["f8"] = -2.25,
            ["n"] = 1234567890123456789.012345678m,
            ["n2"] = 0.005m,
            ["n3"] = -12345.6789m,
            ["b"] = true,
            ["t"] = "héllo ✓",
            ["vc"] = "short",
            ["c"] = "ab",
            ["by"] = new byte[] { 0, 1, 255 },
            ["ts"] = "2024-02-29T23:59:59.123456",
            ["tz"] = new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990),
            ["d"] = "1970-01-01",
            ["tm"] = "13:14:15.5",
            ["u"] = "0f8fad5b-d9cb-469f-a165-70867728950e",
            ["j"] = "{\"a\":  1}",
            ["jb"] = "{\"b\": [1, 2]}",
        };
        var nulls = columns.ToDictionary(c => c, object? (_) => null);
        nulls["i4"] = 2L;
        nulls["n"] = 0m;
        nulls["n2"] = -0.5m;
        var edges = new Dictionary<string, object?>
        {
            ["i4"] = 3L,
            ["f8"] = 1e-300,
            ["n"] = 0.0001m,
            ["n2"] = 100m,
            ["n3"] = 10000m,
            ["ts"] = DateTime.MaxValue,
            ["d"] = DateTime.MinValue,
            ["tm"] = "00:00:00",
        };

        await task.PutAsync([.. new[] { full, nulls, edges }.Select((v, i) => new SinkRecord("orders", 0, null, null, null, v, i))], CancellationToken.None);

        Assert.Empty(context.Errant);
        Assert.Equal(
            [
                "-7|1|9007199254740993|1.5|-2.25|1234567890123456789.012345678|0.01|-12345.6789|true|héllo ✓|short|ab|\\x0001ff|2024-02-29 23:59:59.123456"
                + "|1999-12-31 23:59:59.999999+00|1970-01-01|13:14:15.5|0f8fad5b-d9cb-469f-a165-70867728950e|{\"a\":  1}|{\"b\": [1, 2]}",
                "-|2|-|-|-|0|-0.50|-|-|-|-|-|-|-|-|-|-|-|-|-",
                "-|3|-|-|1e-300|0.0001|100.00|10000|-|-|-|-|-|infinity|-|-infinity|00:00:00|-|-|-",
            ],
            await RowsAsync($"SELECT concat_ws('|', {string.Join(", ", columns.Select(c => $"coalesce({c}::text, '-')"))}) FROM types ORDER BY i4"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_SchemalessMaps_CreateColumnsFromValues()
    {
        var (task, _) = await StartAsync(Config(("table.name.format", "kafka_${topic}")));
        var value = new Dictionary<string, object?> { ["id"] = 7L, ["item"] = "json", ["score"] = 1.5, ["ok"] = true, ["tags"] = new List<object?> { "x" } };

        await task.PutAsync([new SinkRecord("orders", 0, null, null, null, value, 0)], CancellationToken.None);

        Assert.Equal(["7|json|1.5|t|[\"x\"]"], await RowsAsync("SELECT concat_ws('|', id, item, score, ok, tags) FROM kafka_orders"));
        Assert.Equal("jsonb", await _db.ScalarAsync<string>("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'kafka_orders'::regclass AND attname = 'tags'"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpsertWithRecordKey_InsertsThenUpdatesAndLastOfAKeyWins()
    {
        var (task, _) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key")));

        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b")], CancellationToken.None);
        await task.PutAsync([Order(2, 1, "a2", 5), Order(3, 3, "c"), Order(4, 3, "c2")], CancellationToken.None);

        Assert.Equal(["1:a2:5", "2:b:-", "3:c2:-"], await RowsAsync());
        Assert.Equal("PRIMARY KEY (id)", await _db.ScalarAsync<string>("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'p'"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_PreparedBatches_WriteWhatUnpreparedOnesWouldAndSkipWhatIsStored()
    {
        var (task, _) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key")));
        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b")], CancellationToken.None);

        // The runtime prepares the next batch while the previous one is put.
        IReadOnlyList<SinkRecord> second = [Order(2, 1, "a2", 5), Order(3, 3, "c"), Order(4, 3, "c2")];
        IReadOnlyList<SinkRecord> third = [Order(5, 4, "d")];
        task.Prepare(second);
        task.Prepare(third);
        await task.PutAsync(second, CancellationToken.None);
        await task.PutAsync(third, CancellationToken.None);

        // Redelivered from before the stored offset (a crash before the group commit): only the new record is written.
        IReadOnlyList<SinkRecord> again = [Order(4, 3, "stale"), Order(5, 4, "stale"), Order(6, 5, "e")];
        task.Prepare(again);
        await task.PutAsync(again, CancellationToken.None);

        Assert.Equal(["1:a2:5", "2:b:-", "3:c2:-", "4:d:-", "5:e:-"], await RowsAsync());
        Assert.Equal(7L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets WHERE connector = 'sink-test'"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_PreparedBeforeTheTableEvolved_WritesIntoTheEvolvedTable()
    {
        var (task, _) = await StartAsync(Config(("auto.evolve", "true")));
        static SinkRecord Row(long offset, Dictionary<string, object?> value) => new("orders", 0, null, null, null, value, offset);
        await task.PutAsync([Row(0, new() { ["id"] = 1L })], CancellationToken.None);

        IReadOnlyList<SinkRecord> prepared = [Row(2, new() { ["id"] = 3L })];
        task.Prepare(prepared);
        await task.PutAsync([Row(1, new() { ["id"] = 2L, ["colour"] = "red" })], CancellationToken.None);
        await task.PutAsync(prepared, CancellationToken.None);

        Assert.Equal(["1:", "2:red", "3:"], await RowsAsync("SELECT id || ':' || coalesce(colour, '') FROM orders ORDER BY id"));
        Assert.Equal(3L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets WHERE connector = 'sink-test'"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpsertBytesKeyTwiceInABatch_KeysCompareByContentAndTheLastWins()
    {
        var (task, _) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key"), ("pk.fields", "k")));
        static SinkRecord Keyed(long offset, byte[] key, string item)
        {
            var value = new Dictionary<string, object?> { ["item"] = item };
            return new SinkRecord("orders", 0, Schema.BytesSchema, key, null, value, offset);
        }

        // Two arrays with the same bytes are one key: one statement must not upsert it twice.
        await task.PutAsync([Keyed(0, [1, 2], "a"), Keyed(1, [3], "b"), Keyed(2, [1, 2], "a2")], CancellationToken.None);

        Assert.Equal(["0102:a2", "03:b"], await RowsAsync("SELECT encode(k, 'hex') || ':' || item FROM orders ORDER BY k"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpsertWithRecordValueKey_UsesTheValueFields()
    {
        var (task, _) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_value"), ("pk.fields", "id")));

        await task.PutAsync([Order(0, 1, "a", withKey: false), Order(1, 1, "b", withKey: false)], CancellationToken.None);

        Assert.Equal(["1:b:-"], await RowsAsync());
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpsertInChunksAroundADelete_EachStagedWriteUpsertsOnlyItsOwnRows()
    {
        // One transaction stages several writes (batch.size 2, a delete between upserts): a write must not find the rows of
        // the one before in the stage, or the deleted key 1 would come back and key 2 be upserted twice in one statement.
        var (task, context) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key"), ("delete.enabled", "true"), ("batch.size", "2")));

        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b"), Tombstone(2, 1), Order(3, 2, "b2"), Order(4, 3, "c"), Order(5, 4, "d")], CancellationToken.None);
        await task.PutAsync([Order(6, 3, "c2"), Order(7, 5, "e")], CancellationToken.None);

        Assert.Equal(["2:b2:-", "3:c2:-", "4:d:-", "5:e:-"], await RowsAsync());
        Assert.Empty(context.Errant);
        Assert.Equal(8L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpdateMode_ChangesOnlyExistingRows()
    {
        await _db.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, item text, qty int, price numeric, at timestamptz); INSERT INTO orders VALUES (1, 'old', 1, 0, now())");
        var (task, _) = await StartAsync(Config(("insert.mode", "update"), ("pk.mode", "record_key")));

        await task.PutAsync([Order(0, 1, "new", 9), Order(1, 2, "absent")], CancellationToken.None);

        Assert.Equal(["1:new:9"], await RowsAsync());
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_TombstonesWithDeleteEnabled_DeleteInRecordOrder()
    {
        var (task, _) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key"), ("delete.enabled", "true")));

        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b"), Tombstone(2, 1), Tombstone(3, 2), Order(4, 2, "b-again")], CancellationToken.None);

        Assert.Equal(["2:b-again:-"], await RowsAsync());
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_NewFieldWithAutoEvolve_AddsANullableColumn()
    {
        var (task, _) = await StartAsync(Config(("auto.evolve", "true")));
        await task.PutAsync([new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 1L }, 0)], CancellationToken.None);

        await task.PutAsync([new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 2L, ["colour"] = "red" }, 1)], CancellationToken.None);

        Assert.Equal(["1:", "2:red"], await RowsAsync("SELECT id || ':' || coalesce(colour, '') FROM orders ORDER BY id"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_NewFieldWithoutAutoEvolve_ReportsTheRecordAndWritesTheRest()
    {
        var (task, context) = await StartAsync(Config());
        await task.PutAsync([new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 1L }, 0)], CancellationToken.None);

        await task.PutAsync([
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 2L, ["colour"] = "red" }, 1),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 3L }, 2)], CancellationToken.None);

        Assert.Equal(["1", "3"], await RowsAsync("SELECT id::text FROM orders ORDER BY id"));
        var (record, error) = Assert.Single(context.Errant);
        Assert.Equal(1, record.KafkaOffset);
        Assert.Contains("'colour'", error.Message);
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_PoisonRecords_AreReportedAndTheOthersWritten()
    {
        await _db.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, qty int)");
        var (task, context) = await StartAsync(Config());

        await task.PutAsync([
            new SinkRecord("orders", 0, null, null, Schema.StringSchema, "not a row", 0),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 1L, ["item"] = "ok", ["qty"] = "many" }, 1),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 2L, ["item"] = null }, 2),
            new SinkRecord("orders", 0, null, null, null, new Dictionary<string, object?> { ["id"] = 3L, ["item"] = "fine", ["qty"] = 4L }, 3)], CancellationToken.None);

        Assert.Equal(["3:fine:4"], await RowsAsync());
        Assert.Equal([0L, 1L, 2L], context.Errant.Select(e => e.Record.KafkaOffset).Order());
        Assert.Contains("structs and JSON objects", context.Errant.Single(e => e.Record.KafkaOffset == 0).Error.Message);
        Assert.Contains("'qty'", context.Errant.Single(e => e.Record.KafkaOffset == 1).Error.Message);
        Assert.Contains("null value", context.Errant.Single(e => e.Record.KafkaOffset == 2).Error.Message);
        Assert.Equal(4L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_UpsertRowTheTableRefuses_IsReportedAndTheOthersWritten()
    {
        // Upserts stage their rows in a temporary table without constraints: the target table still refuses the row.
        await _db.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, qty int CHECK (qty >= 0), price numeric, at timestamptz)");
        var (task, context) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key")));

        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b", -1), Order(2, 3, "c")], CancellationToken.None);
        List<SinkRecord> prepared = [Order(3, 1, "a2", 2), Order(4, 3, "c2")];
        task.Prepare(prepared);
        await task.PutAsync(prepared, CancellationToken.None);

        Assert.Equal(["1:a2:2", "3:c2:-"], await RowsAsync());
        var (record, error) = Assert.Single(context.Errant);
        Assert.Equal(1, record.KafkaOffset);
        Assert.Contains("orders_qty_check", error.Message);
        Assert.Equal(5L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Start_AfterATaskOfTheSameDatabaseStopped_TakesItsSessionBack()
    {
        var config = Config(("connection.url", _db.ConnectionString + ";Application Name=sink-reuse"));
        var (first, _) = await StartAsync(config);
        await first.PutAsync([Order(0, 1, "a")], CancellationToken.None);
        var backend = Assert.Single(await SinkBackendsAsync());
        await first.StopAsync();

        var (second, context) = await StartAsync(config);
        await second.PutAsync([Order(1, 2, "b")], CancellationToken.None);

        // The restarted task's session is the one the server already had: no new backend, authentication or type loading.
        Assert.Equal([backend], await SinkBackendsAsync());
        Assert.Equal(["1:a:-", "2:b:-"], await RowsAsync());
        Assert.Equal(1L, context.Seeks[Orders0]);
        await second.StopAsync();
    }

    [Fact]
    public async Task Start_AfterTheServerEndedTheSessionsAStoppedTaskLeft_OpensNewOnes()
    {
        var config = Config(("connection.url", _db.ConnectionString + ";Application Name=sink-reuse"), ("retry.backoff.ms", "10"));

        // Two tasks stopped: two idle sessions in the pool, both ended by the server (a restart).
        var (first, _) = await StartAsync(config);
        var (other, _) = await StartAsync(config);
        await first.PutAsync([Order(0, 1, "a")], CancellationToken.None);
        Assert.Equal(2, (await SinkBackendsAsync()).Count);
        await first.StopAsync();
        await other.StopAsync();
        await _db.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sink-reuse'");

        // Npgsql discards a pooled session the server ended instead of handing it out: the next task opens without a failure.
        var (second, _) = await StartAsync(config);
        await second.PutAsync([Order(1, 2, "b")], CancellationToken.None);

        Assert.Equal(["1:a:-", "2:b:-"], await RowsAsync());
        Assert.Single(await SinkBackendsAsync());
        await second.StopAsync();
    }

    private Task<List<string>> SinkBackendsAsync() => _db.RowsAsync("SELECT pid::text FROM pg_stat_activity WHERE application_name = 'sink-reuse'");

    [Fact]
    public async Task Put_PreparedUpsertAfterTheConnectionWasLost_MakesItsStageAgain()
    {
        var (task, context) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key"), ("retry.backoff.ms", "10")));
        await task.PutAsync([Order(0, 1, "a")], CancellationToken.None);
        List<SinkRecord> staged = [Order(1, 2, "b")];
        task.Prepare(staged);
        await task.PutAsync(staged, CancellationToken.None);

        // The server ends the task's session, and its temporary stage with it.
        await using (var admin = new NpgsqlConnection(_db.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{_db.Name}'", admin);
            await kill.ExecuteNonQueryAsync();
        }

        _db.DataSource.Clear();
        List<SinkRecord> next = [Order(2, 1, "a2", 3), Order(3, 3, "c")];
        task.Prepare(next);
        await Assert.ThrowsAsync<RetriableException>(() => task.PutAsync(next, CancellationToken.None));
        task.Prepare(next);
        await task.PutAsync(next, CancellationToken.None);

        Assert.Equal(["1:a2:3", "2:b:-", "3:c:-"], await RowsAsync());
        Assert.Empty(context.Errant);
        Assert.Equal(4L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_PreparedUpsertAfterATransactionThatMadeTheStageRolledBack_MakesItAgain()
    {
        await _db.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, qty int CHECK (qty >= 0), price numeric, at timestamptz)");
        var (task, context) = await StartAsync(Config(("insert.mode", "upsert"), ("pk.mode", "record_key"), ("delete.enabled", "true")));
        // A delete learns the table without staging anything: the next prepared upsert makes the stage.
        await task.PutAsync([Tombstone(0, 9)], CancellationToken.None);

        // Its statement fails, the transaction that made the stage rolls back; row by row every row is refused.
        List<SinkRecord> refused = [Order(1, 1, "a", -1), Order(2, 2, "b", -2)];
        task.Prepare(refused);
        await task.PutAsync(refused, CancellationToken.None);
        List<SinkRecord> accepted = [Order(3, 1, "a", 1)];
        task.Prepare(accepted);
        await task.PutAsync(accepted, CancellationToken.None);
        List<SinkRecord> again = [Order(4, 2, "b", 2)];
        task.Prepare(again);
        await task.PutAsync(again, CancellationToken.None);

        Assert.Equal(["1:a:1", "2:b:2"], await RowsAsync());
        Assert.Equal([1L, 2L], context.Errant.Select(e => e.Record.KafkaOffset));
        Assert.Equal(5L, await _db.ScalarAsync<long>("SELECT next_offset FROM __connect_offsets"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_KafkaPrimaryKey_WritesCoordinates()
    {
        var (task, _) = await StartAsync(Config(("pk.mode", "kafka")));

        await task.PutAsync([Order(5, 1, "a", withKey: false)], CancellationToken.None);

        Assert.Equal(["orders/0/5/a"], await RowsAsync("SELECT concat_ws('/', __connect_topic, __connect_partition, __connect_offset, item) FROM orders"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Put_CrashBetweenPutAndGroupCommit_RedeliveryWritesNoDuplicate()
    {
        var config = Config();
        var (task, _) = await StartAsync(config);
        await task.PutAsync([Order(0, 1, "a"), Order(1, 2, "b")], CancellationToken.None);
        // The worker dies here: no PreCommit, so the group's offset for orders-0 is still 0.

        var (restarted, context) = await StartAsync(config);
        Assert.Equal(2L, context.Seeks[Orders0]);
        // A consumer that had already fetched from the group's offset redelivers everything.
        await restarted.PutAsync([Order(0, 1, "a"), Order(1, 2, "b"), Order(2, 3, "c")], CancellationToken.None);

        Assert.Equal(["1:a:-", "2:b:-", "3:c:-"], await RowsAsync());
        var committed = await restarted.PreCommitAsync(new Dictionary<TopicPartitionRef, long> { [Orders0] = 3 });
        Assert.Equal(3L, committed[Orders0]);
        await restarted.StopAsync();
    }

    [Fact]
    public async Task PreCommit_ReturnsOnlyWhatTheDatabaseHolds()
    {
        var (task, _) = await StartAsync(Config());
        await task.PutAsync([Order(0, 1, "a")], CancellationToken.None);

        var committed = await task.PreCommitAsync(new Dictionary<TopicPartitionRef, long> { [Orders0] = 10, [new("other", 0)] = 4 });

        Assert.Equal(1L, Assert.Single(committed).Value);
        await task.StopAsync();
    }

    [Theory]
    [InlineData("delete.enabled", "true", "delete.enabled")]
    [InlineData("insert.mode", "upsert", "pk.mode")]
    [InlineData("insert.mode", "merge", "insert.mode")]
    [InlineData("pk.mode", "everything", "pk.mode")]
    [InlineData("topics.regex", "orders.*", "topics.regex")]
    [InlineData("batch.size", "0", "batch.size")]
    [InlineData("connection.url", "Host=;Port=x", "connection.url")]
    public void Start_BadConfig_ErrorNamesTheKey(string key, string value, string named)
    {
        var config = Config((key, value));

        var error = Assert.Throws<ConfigException>(() => new PostgresSinkConnector().Start(config));

        Assert.Contains($"'{named}'", error.Message);
        Assert.NotEmpty(new PostgresSinkConnector().Validate(config).Single(v => v.Name == named).Errors);
    }

    [Fact]
    public async Task Put_DatabaseUnreachable_RetriesThenFailsWithTheReason()
    {
        var config = Config(("max.retries", "2"), ("retry.backoff.ms", "10"));
        config["connection.url"] = "jdbc:postgresql://127.0.0.1:1/nothing?user=u&password=p";
        var context = new TestSinkContext(config, Orders0);
        var task = new PostgresSinkTask();
        task.Initialize(context);
        await task.StartAsync(config);

        await Assert.ThrowsAsync<RetriableException>(() => task.PutAsync([Order(0, 1, "a")], CancellationToken.None));
        await Assert.ThrowsAsync<RetriableException>(() => task.PutAsync([Order(0, 1, "a")], CancellationToken.None));
        var final = await Assert.ThrowsAnyAsync<ConnectException>(() => task.PutAsync([Order(0, 1, "a")], CancellationToken.None));

        Assert.IsNotType<RetriableException>(final);
        Assert.Contains("after 3 attempts", final.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(10), context.Backoffs[0]);
    }
}
