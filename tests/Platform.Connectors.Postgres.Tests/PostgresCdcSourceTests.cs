using Npgsql;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connectors.Postgres.Cdc;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connectors.Postgres.Tests;

public sealed class PostgresCdcSourceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        await _db.ExecuteAsync("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int, price numeric(8,2), seen timestamptz)");
        await _db.ExecuteAsync("CREATE TABLE other (id int PRIMARY KEY)");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private Dictionary<string, string> Config(params (string Key, string Value)[] extra)
    {
        var b = new NpgsqlConnectionStringBuilder(_db.ConnectionString);
        var config = new Dictionary<string, string>
        {
            ["database.hostname"] = b.Host!,
            ["database.port"] = b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["database.user"] = b.Username!,
            ["database.password"] = b.Password!,
            ["database.dbname"] = b.Database!,
            ["slot.name"] = "s_" + _db.Name,
            ["publication.name"] = "p_" + _db.Name,
            ["publication.autocreate.mode"] = "filtered",
            ["table.include.list"] = "public\\.items",
            ["topic.prefix"] = "srv",
            ["poll.interval.ms"] = "100",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    private static async Task<(PostgresCdcSourceTask Task, TestSourceContext Context)> StartAsync(Dictionary<string, string> config, TestSourceContext? context = null)
    {
        context ??= new TestSourceContext(config);
        return (await context.StartAsync(new PostgresCdcSourceTask()), context);
    }

    private static Struct Envelope(SourceRecord record) => (Struct)record.Value!;

    private static string Describe(SourceRecord record) => record.Value is null
        ? $"tombstone:{((Struct)record.Key!).Get("id")}"
        : $"{Envelope(record).Get("op")}:{((Struct?)Envelope(record).Get("after") ?? (Struct)Envelope(record).Get("before")!).Get("name") ?? "-"}";

    private async Task<string?> ConfirmedLsnAsync()
        => await _db.ScalarAsync<string>($"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 's_{_db.Name}'");

    private async Task<ulong> CurrentLsnAsync()
        => (ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await _db.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text"))!);

    /// <summary>Polls until the task's replication stream runs: changes from then on are captured.</summary>
    private async Task WaitForSlotAsync(PostgresCdcSourceTask task)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // Past CREATE_REPLICATION_SLOT (which waits for running transactions, state 'startup') and into START_REPLICATION.
        // (pg_stat_replication hides the state from non-superusers; pg_stat_activity shows the walsender's command to its own role.)
        while (await _db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender' "
            + $"AND query LIKE 'START_REPLICATION SLOT s_{_db.Name} %'") == 0)
        {
            var early = await task.PollAsync(deadline.Token);
            Assert.All(early, r => Assert.StartsWith("__debezium-heartbeat", r.Topic));
            foreach (var record in early)
            {
                // Acknowledged like the runtime would: an outstanding record holds the slot back.
                await task.CommitRecordAsync(record, new RecordMetadata(record.Topic, 0, 0, DateTimeOffset.UtcNow));
            }
        }
    }

    private static async Task<List<SourceRecord>> PollWithoutAckAsync(PostgresCdcSourceTask task, int count)
    {
        var records = new List<SourceRecord>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count < count)
        {
            records.AddRange(await task.PollAsync(deadline.Token));
        }

        return records;
    }

    [Fact]
    public async Task Poll_SnapshotThenChanges_DebeziumEventsInOrder()
    {
        await _db.ExecuteAsync("INSERT INTO items (name, qty, price, seen) VALUES ('a', 1, 2.50, '2024-05-06T07:08:09.123Z'), ('b', 2, null, null)");
        var (task, context) = await StartAsync(Config());

        var snapshot = await context.PollUntilAsync(task, 2);
        await _db.ExecuteAsync("INSERT INTO items (name, qty) VALUES ('c', 3)");
        await _db.ExecuteAsync("UPDATE items SET qty = 20 WHERE name = 'b'");
        await _db.ExecuteAsync("DELETE FROM items WHERE name = 'a'");
        await _db.ExecuteAsync("INSERT INTO other VALUES (1)");
        var changes = await context.PollUntilAsync(task, 4);

        Assert.Equal(["r:a", "r:b"], snapshot.Select(Describe));
        Assert.Equal(["true", "last"], snapshot.Select(r => ((Struct)Envelope(r).Get("source")!).Get("snapshot")));
        Assert.Equal(true, snapshot[1].SourceOffset["snapshot_completed"]);
        var a = (Struct)Envelope(snapshot[0]).Get("after")!;
        Assert.Equal(2.50m, a.Get("price"));
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc), a.Get("seen"));
        Assert.Equal(["c:c", "u:b", "d:-", "tombstone:1"], changes.Select(Describe));
        Assert.All(snapshot.Concat(changes), r => Assert.Equal("srv.public.items", r.Topic));
        Assert.Equal("srv.public.items.Key", changes[0].KeySchema!.Name);
        Assert.Equal(3, ((Struct)changes[0].Key!).Get("id"));
        Assert.Equal("srv.public.items.Envelope", changes[0].ValueSchema!.Name);
        var source = (Struct)Envelope(changes[0]).Get("source")!;
        Assert.Equal("postgresql", source.Get("connector"));
        Assert.Equal("srv", source.Get("name"));
        Assert.Equal(_db.Name, source.Get("db"));
        Assert.Equal("public", source.Get("schema"));
        Assert.Equal("items", source.Get("table"));
        Assert.Equal("false", source.Get("snapshot"));
        Assert.NotNull(source.Get("lsn"));
        Assert.NotNull(source.Get("txId"));
        Assert.NotNull(Envelope(changes[0]).Get("ts_ms"));
        Assert.Null(Envelope(changes[1]).Get("before")); // default replica identity: no old row on update
        var deletedBefore = (Struct)Envelope(changes[2]).Get("before")!;
        Assert.Equal(1, deletedBefore.Get("id"));
        Assert.Null(deletedBefore.Get("name")); // only the key is in the WAL
        Assert.Null(changes[3].ValueSchema);
        Assert.Equal(20, ((Struct)Envelope(changes[1]).Get("after")!).Get("qty"));
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_RestartAfterPartialAcknowledgement_ResumesWithoutGapOrDuplicate()
    {
        var config = Config(("snapshot.mode", "no_data"));
        var (task, context) = await StartAsync(config);
        await WaitForSlotAsync(task);
        foreach (var name in new[] { "one", "two", "three" })
        {
            await _db.ExecuteAsync($"INSERT INTO items (name) VALUES ('{name}')");
        }

        var first = await PollWithoutAckAsync(task, 3);
        // Only the first two reach the broker before the worker stops.
        foreach (var record in first.Take(2))
        {
            context.Acknowledge(record);
            await task.CommitRecordAsync(record, new RecordMetadata(record.Topic, 0, 0, DateTimeOffset.UtcNow));
        }

        await task.CommitAsync();
        await task.StopAsync();
        await _db.ExecuteAsync("INSERT INTO items (name) VALUES ('four'); INSERT INTO items (name) VALUES ('five')");

        var (again, _) = await StartAsync(config, context);
        var rest = await context.PollUntilAsync(again, 3);

        Assert.Equal(["c:one", "c:two", "c:three"], first.Select(Describe));
        Assert.Equal(["c:three", "c:four", "c:five"], rest.Select(Describe));
        Assert.Empty(await PollBrieflyAsync(again));
        await again.StopAsync();
    }

    [Fact]
    public async Task Poll_RestartAfterEverythingAcknowledged_StartsWithTheNextChange()
    {
        var config = Config();
        await _db.ExecuteAsync("INSERT INTO items (name) VALUES ('snap')");
        var (task, context) = await StartAsync(config);
        await context.PollUntilAsync(task, 1);
        await _db.ExecuteAsync("UPDATE items SET qty = 1");
        await context.PollUntilAsync(task, 1);
        await task.StopAsync();

        await _db.ExecuteAsync("UPDATE items SET name = 'renamed'");
        var (again, _) = await StartAsync(config, context);
        var next = await context.PollUntilAsync(again, 1);

        Assert.Equal(["u:renamed"], next.Select(Describe));
        Assert.Empty(await PollBrieflyAsync(again));
        await again.StopAsync();
    }

    private static async Task<List<SourceRecord>> PollBrieflyAsync(PostgresCdcSourceTask task)
    {
        var records = new List<SourceRecord>();
        for (var i = 0; i < 5; i++)
        {
            records.AddRange(await task.PollAsync(CancellationToken.None));
        }

        return records;
    }

    [Fact]
    public async Task Poll_ReplicaIdentityFull_BeforeHoldsTheWholeOldRow()
    {
        await _db.ExecuteAsync("ALTER TABLE items REPLICA IDENTITY FULL; INSERT INTO items (name, qty) VALUES ('x', 1)");
        var (task, context) = await StartAsync(Config(("snapshot.mode", "never")));
        await WaitForSlotAsync(task);

        await _db.ExecuteAsync("UPDATE items SET qty = 2; DELETE FROM items");
        var changes = await context.PollUntilAsync(task, 3);

        var updateBefore = (Struct)Envelope(changes[0]).Get("before")!;
        Assert.Equal("x", updateBefore.Get("name"));
        Assert.Equal(1, updateBefore.Get("qty"));
        var deleteBefore = (Struct)Envelope(changes[1]).Get("before")!;
        Assert.Equal("x", deleteBefore.Get("name"));
        Assert.Equal(2, deleteBefore.Get("qty"));
        Assert.Null(changes[2].Value);
        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_UnacknowledgedRecords_AreNotConfirmedToTheServer()
    {
        var (task, context) = await StartAsync(Config(("snapshot.mode", "never")));
        await WaitForSlotAsync(task);
        var before = await ConfirmedLsnAsync();
        await _db.ExecuteAsync("INSERT INTO items (name) VALUES ('pending')");

        var records = await PollWithoutAckAsync(task, 1);
        // The insert's commit LSN, not pg_current_wal_lsn(): the server's WAL position also moves with the other
        // test classes' databases, which this slot never has to confirm.
        var commitLsn = (ulong)Convert.ToInt64(records[0].SourceOffset!["lsn"], System.Globalization.CultureInfo.InvariantCulture);
        await task.CommitAsync();
        await Task.Delay(300);
        Assert.Equal(before, await ConfirmedLsnAsync());

        context.Acknowledge(records[0]);
        await task.CommitRecordAsync(records[0], new RecordMetadata(records[0].Topic, 0, 0, DateTimeOffset.UtcNow));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await ConfirmedLsnAsync())!) <= commitLsn)
        {
            await task.CommitAsync();
            await task.PollAsync(deadline.Token);
        }

        await task.StopAsync();
    }

    [Fact]
    public async Task Poll_IdleTablesWithHeartbeats_HeartbeatRecordsMoveTheSlot()
    {
        var (task, context) = await StartAsync(Config(("snapshot.mode", "never"), ("heartbeat.interval.ms", "100")));
        await WaitForSlotAsync(task);
        // WAL written elsewhere (an uncaptured table) that an idle slot would otherwise hold back.
        await _db.ExecuteAsync("INSERT INTO other SELECT generate_series(1, 1000)");
        var target = await CurrentLsnAsync();

        var beats = await context.PollUntilAsync(task, 2);

        Assert.All(beats, b => Assert.Equal("__debezium-heartbeat.srv", b.Topic));
        Assert.Equal("srv", ((Struct)beats[0].Key!).Get("serverName"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((ulong)NpgsqlTypes.NpgsqlLogSequenceNumber.Parse((await ConfirmedLsnAsync())!) < target)
        {
            deadline.Token.ThrowIfCancellationRequested();
            await context.PollUntilAsync(task, 1, TimeSpan.FromSeconds(20));
            await task.CommitAsync();
        }

        await task.StopAsync();
    }

    [Theory]
    [InlineData("plugin.name", "decoderbufs", "plugin.name")]
    [InlineData("database.hostname", null, "database.hostname")]
    [InlineData("snapshot.mode", "sometimes", "snapshot.mode")]
    [InlineData("slot.name", "Bad-Name", "slot.name")]
    [InlineData("table.include.list", "public.(", "table.include.list")]
    [InlineData("topic.prefix", null, "topic.prefix")]
    public void Start_BadConfig_ErrorNamesTheKey(string key, string? value, string named)
    {
        var config = Config();
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = Assert.Throws<ConfigException>(() => new PostgresCdcSourceConnector().Start(config));

        Assert.Contains($"'{named}'", error.Message);
    }

    [Fact]
    public async Task Poll_DatabaseUnreachable_RetriesThenFailsWithTheReason()
    {
        var (task, _) = await StartAsync(Config(("database.port", "1"), ("errors.max.retries", "2")));

        async Task<Exception> FailureAsync()
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                try
                {
                    await task.PollAsync(deadline.Token);
                }
                catch (ConnectException e)
                {
                    return e;
                }
            }
        }

        Assert.IsType<RetriableException>(await FailureAsync());
        var final = await FailureAsync();

        Assert.IsNotType<RetriableException>(final);
        Assert.Contains("after 2 attempts", final.Message);
        await task.StopAsync();
    }
}
