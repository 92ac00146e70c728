using Npgsql;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Source;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connectors.Postgres.Tests;

public sealed class PostgresSourceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        await _db.ExecuteAsync("""
            CREATE TABLE orders (id bigserial PRIMARY KEY, item text NOT NULL, price numeric(10,2), qty int,
                                 updated timestamptz NOT NULL DEFAULT now(), note varchar(20), day date, raw bytea, tags int[]);
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
            """);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Dictionary<string, string> Config(string mode, params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string>
        {
            ["connection.url"] = _db.JdbcUrl,
            ["mode"] = mode,
            ["topic.prefix"] = "pg-",
            ["table.whitelist"] = "orders",
            ["poll.interval.ms"] = "50",
            ["incrementing.column.name"] = "id",
            ["timestamp.column.name"] = "updated",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static async Task<(PostgresSourceTask Task, TestSourceContext Context)> StartAsync(Dictionary<string, string> config, TestSourceContext? context = null)
    {
        context ??= new TestSourceContext(config);
        var task = await context.StartAsync(new PostgresSourceTask());
        return (task, context);
    }

    private static object? Field(SourceRecord record, string name) => ((Struct)record.Value!).Get(name);

    [Fact]
    public async Task Poll_IncrementingMode_ReadsNewRowsInIdOrderWithColumnSchema()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item, price, qty, note, day, raw, tags) VALUES ('a', 1.50, 2, 'n', '2024-02-03', '\\x0102', '{1,2}'), ('b', null, null, null, null, null, null)");
        var (task, context) = await StartAsync(Config("incrementing"));

        var records = await context.PollUntilAsync(task, 2);
        await _db.ExecuteAsync("INSERT INTO orders (item) VALUES ('c')");
        records.AddRange(await context.PollUntilAsync(task, 1));

        Assert.Equal(["a", "b", "c"], records.Select(r => Field(r, "item")));
        Assert.All(records, r => Assert.Equal("pg-orders", r.Topic));
        var first = records[0];
        Assert.Equal(1.50m, Field(first, "price"));
        Assert.Equal(2, Field(first, "qty"));
        Assert.Equal(new DateTime(2024, 2, 3, 0, 0, 0, DateTimeKind.Utc), Field(first, "day"));
        Assert.Equal(new byte[] { 1, 2 }, Field(first, "raw"));
        Assert.Equal("{1,2}", Field(first, "tags"));
        var schema = first.ValueSchema!;
        Assert.Equal(SchemaType.Int64, schema.Field("id")!.Schema.Type);
        Assert.False(schema.Field("item")!.Schema.IsOptional);
        Assert.True(schema.Field("note")!.Schema.IsOptional);
        Assert.Equal("org.apache.kafka.connect.data.Decimal", schema.Field("price")!.Schema.Name);
        Assert.Equal("2", schema.Field("price")!.Schema.Parameters["scale"]);
        Assert.Equal(3L, records[2].SourceOffset["incrementing"]);
        Assert.Equal("public.orders", records[2].SourcePartition["table"]);
        await task.StopAsync();
    }

    [Fact]
    public async Task Start_StoredOffset_ResumesAfterIt()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item) SELECT 'x' || g FROM generate_series(1, 5) g");
        var config = Config("incrementing", ("batch.max.rows", "2"));
        var (task, context) = await StartAsync(config);
        var first = await context.PollUntilAsync(task, 3);
        await task.StopAsync();

        await _db.ExecuteAsync("INSERT INTO orders (item) VALUES ('x6')");
        var (again, _) = await StartAsync(config, context);
        var rest = await context.PollUntilAsync(again, 6 - first.Count);

        Assert.Equal(Enumerable.Range(1, 6).Select(i => "x" + i), first.Concat(rest).Select(r => Field(r, "item")));
        Assert.Empty(await context.PollTimesAsync(again, 3));
        await again.StopAsync();
    }

    [Fact]
    public async Task Poll_BulkMode_ReturnsTheWholeTableEachCycle()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item) VALUES ('a'), ('b')");
        var (task, context) = await StartAsync(Config("bulk"));

        var records = await context.PollUntilAsync(task, 4);

        Assert.Equal(["a", "b", "a", "b"], records.Select(r => Field(r, "item")));
        Assert.Empty(records[0].SourceOffset);
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_TimestampMode_ReadsNewAndUpdatedRows()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item, updated) VALUES ('a', now() - interval '1 hour'), ('b', now() - interval '1 hour')");
        var (task, context) = await StartAsync(Config("timestamp"));
        var records = await context.PollUntilAsync(task, 2);

        await _db.ExecuteAsync("UPDATE orders SET item = 'a2', updated = now() WHERE item = 'a'");
        records.AddRange(await context.PollUntilAsync(task, 1));

        Assert.Equal(["a", "b", "a2"], records.Select(r => Field(r, "item")));
        Assert.True((long)records[2].SourceOffset["timestamp"]! > (long)records[1].SourceOffset["timestamp"]!);
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_TimestampModeBatchEndsInsideEqualTimestamps_TakesTheWholeRun()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item, updated) SELECT 'r' || g, '2024-01-01T00:00:00Z' FROM generate_series(1, 5) g");
        var (task, context) = await StartAsync(Config("timestamp", ("batch.max.rows", "2")));

        var records = await context.PollUntilAsync(task, 5);

        Assert.Equal(5, records.Select(r => Field(r, "item")).Distinct().Count());
        Assert.Empty(await context.PollTimesAsync(task, 3));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_TimestampIncrementingMode_ReadsEqualTimestampsByIdAndUpdates()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item, updated) SELECT 'r' || g, '2024-01-01T00:00:00Z' FROM generate_series(1, 3) g");
        var (task, context) = await StartAsync(Config("timestamp+incrementing", ("batch.max.rows", "2")));
        var records = await context.PollUntilAsync(task, 3);

        await _db.ExecuteAsync("UPDATE orders SET item = 'r1b', updated = '2024-01-02T00:00:00Z' WHERE id = 1");
        records.AddRange(await context.PollUntilAsync(task, 1));

        Assert.Equal(["r1", "r2", "r3", "r1b"], records.Select(r => Field(r, "item")));
        Assert.Equal(1L, records[3].SourceOffset["incrementing"]);

        // The position is (timestamp, id): a new row at the same timestamp with a smaller id than the largest seen still arrives.
        await _db.ExecuteAsync("INSERT INTO orders (id, item, updated) VALUES (2, 'dup-id-not-allowed', '2024-01-02T00:00:00Z') ON CONFLICT (id) DO UPDATE SET item = 'r2b', updated = '2024-01-02T00:00:00Z'");
        records.AddRange(await context.PollUntilAsync(task, 1));
        Assert.Equal("r2b", Field(records[4], "item"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_TimestampDelay_HoldsBackRecentRows()
    {
        await _db.ExecuteAsync("INSERT INTO orders (item, updated) VALUES ('old', now() - interval '1 hour'), ('new', now())");
        var (task, context) = await StartAsync(Config("timestamp", ("timestamp.delay.interval.ms", "600000")));

        var records = await context.PollUntilAsync(task, 1);

        Assert.Equal("old", Field(records[0], "item"));
        Assert.Empty(await context.PollTimesAsync(task, 3));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_Query_ReadsTheQueryIntoThePrefixTopic()
    {
        await _db.ExecuteAsync("INSERT INTO customers (name) VALUES ('ann'), ('bob'); INSERT INTO orders (item) VALUES ('x')");
        var config = Config("incrementing");
        config.Remove("table.whitelist");
        config["query"] = "SELECT c.id, c.name, upper(c.name) AS shout FROM customers c";
        config["topic.prefix"] = "people";
        var (task, context) = await StartAsync(config);

        var records = await context.PollUntilAsync(task, 2);

        Assert.Equal(["ANN", "BOB"], records.Select(r => Field(r, "shout")));
        Assert.All(records, r => Assert.Equal("people", r.Topic));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_IncrementingRowCommittedLate_StillArrives()
    {
        var (task, context) = await StartAsync(Config("incrementing"));
        await context.PollTimesAsync(task, 1);

        // A long transaction takes id 1 and stays open while id 2 commits and is read.
        await using var slow = await _db.DataSource.OpenConnectionAsync();
        await using var tx = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO orders (item) VALUES ('late')", slow, tx))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await _db.ExecuteAsync("INSERT INTO orders (item) VALUES ('early')");
        var seen = await context.PollUntilAsync(task, 1);
        Assert.Equal("early", Field(seen[0], "item"));
        Assert.Equal(2L, seen[0].SourceOffset["incrementing"]);

        await tx.CommitAsync();
        var late = await context.PollUntilAsync(task, 1);

        Assert.Equal("late", Field(late[0], "item"));
        Assert.Equal(1L, ((Struct)late[0].Value!).Get("id"));
        Assert.Empty(await context.PollTimesAsync(task, 3));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_TimestampRowCommittedLateAcrossRestart_StillArrives()
    {
        var config = Config("timestamp");
        var (task, context) = await StartAsync(config);

        // now() is the transaction's start: the late row's timestamp is older than the row read before it commits.
        await using var slow = await _db.DataSource.OpenConnectionAsync();
        await using var tx = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO orders (item, updated) VALUES ('late', now())", slow, tx))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await Task.Delay(20);
        await _db.ExecuteAsync("INSERT INTO orders (item, updated) VALUES ('early', now())");
        var seen = await context.PollUntilAsync(task, 1);
        Assert.Equal("early", Field(seen[0], "item"));
        await task.StopAsync();

        await tx.CommitAsync();
        var (again, _) = await StartAsync(config, context);
        var late = await context.PollUntilAsync(again, 1);

        Assert.Equal("late", Field(late[0], "item"));
        Assert.Empty(await context.PollTimesAsync(again, 3));
        await again.StopAsync();
    }

    [Fact]
    public async Task Poll_RowsCommittedBetweenPolls_AreReadOnce()
    {
        var (task, context) = await StartAsync(Config("timestamp+incrementing"));
        for (var i = 0; i < 5; i++)
        {
            await _db.ExecuteAsync($"INSERT INTO orders (item) VALUES ('r{i}')");
            await context.PollTimesAsync(task, 1);
        }

        await context.PollTimesAsync(task, 3);
        var (again, _) = await StartAsync(Config("timestamp+incrementing"), new TestSourceContext(Config("timestamp+incrementing")));
        var all = await context.PollUntilAsync(again, 5);

        Assert.Equal(5, all.Select(r => Field(r, "item")).Distinct().Count());
        Assert.Empty(await context.PollTimesAsync(again, 3));
        await task.StopAsync();
        await again.StopAsync();
    }

    [Fact]
    public void TaskConfigs_SeveralTables_SplitsThemAcrossTasks()
    {
        var connector = new PostgresSourceConnector();
        var config = Config("incrementing");
        config.Remove("table.whitelist");
        connector.Start(config);

        var tasks = connector.TaskConfigs(5);

        Assert.Equal(2, tasks.Count);
        Assert.Contains("public.customers", tasks[0]["task.tables"]);
        Assert.Contains("public.orders", tasks[1]["task.tables"]);
        Assert.Single(connector.TaskConfigs(1));
    }

    [Theory]
    [InlineData("mode", null, "mode")]
    [InlineData("mode", "sometimes", "mode")]
    [InlineData("topic.prefix", null, "topic.prefix")]
    [InlineData("incrementing.column.name", "", "incrementing.column.name")]
    [InlineData("connection.url", "jdbc:postgresql:nohost", "connection.url")]
    [InlineData("poll.interval.ms", "soon", "poll.interval.ms")]
    public void Start_BadConfig_ErrorNamesTheKey(string key, string? value, string named)
    {
        var config = Config("incrementing");
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = Assert.Throws<ConfigException>(() => new PostgresSourceConnector().Start(config));

        Assert.Contains($"'{named}'", error.Message);
        var validated = new PostgresSourceConnector().Validate(config);
        Assert.NotEmpty(validated.Single(v => v.Name == named).Errors);
    }

    [Fact]
    public async Task Start_NullableIncrementingColumn_FailsNamingTheColumn()
    {
        await _db.ExecuteAsync("CREATE TABLE loose (seq int, v text)");
        var config = Config("incrementing", ("table.whitelist", "loose"), ("incrementing.column.name", "seq"));
        var (task, _) = await StartAsync(config);

        var error = await Assert.ThrowsAsync<ConnectException>(() => task.PollAsync(CancellationToken.None));

        Assert.Contains("'seq'", error.Message);
        Assert.Contains("validate.non.null", error.Message);
    }

    [Fact]
    public async Task Poll_DatabaseUnreachable_RetriesThenFailsWithTheReason()
    {
        var config = Config("incrementing", ("connection.attempts", "3"));
        config["connection.url"] = "jdbc:postgresql://127.0.0.1:1/nothing?user=u&password=p";
        var (task, _) = await StartAsync(config);

        await Assert.ThrowsAsync<RetriableException>(() => task.PollAsync(CancellationToken.None));
        await Assert.ThrowsAsync<RetriableException>(() => task.PollAsync(CancellationToken.None));
        var final = await Assert.ThrowsAnyAsync<ConnectException>(() => task.PollAsync(CancellationToken.None));

        Assert.IsNotType<RetriableException>(final);
        Assert.Contains("after 3 attempts", final.Message);
        Assert.Contains("refused", final.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
