using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Broker;
using Platform.Client;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>
/// PostgresCdcSource through real <c>platform connect</c> processes: inserts, updates and deletes become Debezium
/// change events in commit order, across a clean restart (no duplicate at all) and a SIGKILL (the worker resumes at
/// its stored offset: what follows the resume point appears once, nothing is missing); with exactly.once.support=required
/// every event appears exactly once across kills.
/// </summary>
public sealed class CdcAcrossRestartTests : IAsyncLifetime
{
    private const string Topic = "cdc.public.items";
    private readonly List<WorkerProcess> _workers = [];
    private readonly List<string> _expected = [];
    private EmbeddedBroker _broker = null!;
    private TestDatabase _db = null!;
    private string _root = null!;
    private string _workerConfig = null!;
    private string _group = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 1000;
            o.OffsetsTopicNumPartitions = 3;
            o.TransactionStateLogNumPartitions = 3;
        });
        _db = await TestDatabase.CreateAsync();
        _root = Path.Combine(Path.GetTempPath(), "platform-cdc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_root);
        _workerConfig = WorkerProcess.WriteTestWorkerConfig(_root);
        _group = "connect-" + Guid.NewGuid().ToString("N")[..8];
        await _db.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)");
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await _db.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task CdcSource_WorkerStoppedThenKilled_EventsInOrderWithoutGapOrDuplicateAfterResumePoint()
    {
        // Rows before the connector exists arrive as snapshot reads.
        await ChangeAsync("INSERT INTO items VALUES (1, 'a0'), (2, 'b0'), (3, 'c0')", "r:1:a0", "r:2:b0", "r:3:c0");
        var worker = await StartWorkerAsync();
        await worker.Rest.CreateAsync("items-cdc", Config());
        await worker.Rest.WaitForRunningAsync("items-cdc");
        await WaitForEventsAsync(_expected.Count);

        await ChangeAsync("INSERT INTO items VALUES (4, 'd0')", "c:4:d0");
        await ChangeAsync("UPDATE items SET v = 'a1' WHERE id = 1", "u:1:a1");
        await ChangeAsync("DELETE FROM items WHERE id = 2", "d:2:", "t:2");
        await ChangeAsync("INSERT INTO items VALUES (5, 'e0')", "c:5:e0");
        await WaitForEventsAsync(_expected.Count);

        // A clean stop stores the offsets: the changes made meanwhile follow without a duplicate.
        await worker.StopAsync();
        await ChangeAsync("UPDATE items SET v = 'c1' WHERE id = 3", "u:3:c1");
        await ChangeAsync("INSERT INTO items VALUES (6, 'f0')", "c:6:f0");
        await ChangeAsync("DELETE FROM items WHERE id = 4", "d:4:", "t:4");
        worker = await StartWorkerAsync();
        Assert.Equal(_expected, await WaitForEventsAsync(_expected.Count));

        // SIGKILL right after a burst of transactions, some of them produced and not yet stored as offsets.
        await ChangeAsync("INSERT INTO items VALUES (7, 'g0')", "c:7:g0");
        await ChangeAsync("UPDATE items SET v = 'e1' WHERE id = 5", "u:5:e1");
        for (var i = 100; i < 300; i++)
        {
            await ChangeAsync($"INSERT INTO items VALUES ({i}, 'n{i}')", $"c:{i}:n{i}");
        }

        await WaitForEventsAsync(_expected.Count - 150);
        await worker.KillAsync();
        await ChangeAsync("UPDATE items SET v = 'g1' WHERE id = 7", "u:7:g1");
        await ChangeAsync("DELETE FROM items WHERE id = 1", "d:1:", "t:1");
        worker = await StartWorkerAsync();
        await worker.Rest.WaitForRunningAsync("items-cdc", workerId: worker.WorkerId);

        var events = await WaitForLastAsync(_expected[^1]);
        AssertResumedWithoutGap(events);
        await worker.StopAsync();
    }

    [Fact]
    public async Task CdcSource_ExactlyOnceWorkerKilledMidBurst_EveryEventExactlyOnce()
    {
        await ChangeAsync("INSERT INTO items VALUES (1, 'a0'), (2, 'b0')", "r:1:a0", "r:2:b0");
        var worker = await StartWorkerAsync();
        var config = Config();
        config["exactly.once.support"] = "required";
        await worker.Rest.CreateAsync("items-cdc", config);
        await worker.Rest.WaitForRunningAsync("items-cdc");
        await WaitForEventsAsync(_expected.Count, readCommitted: true);

        // SIGKILL in the middle of a burst of transactions, twice: records and offsets are committed together, so the
        // restarted worker resumes exactly after the last event written.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 150; i++)
            {
                var id = 100 + (round * 1000) + i;
                await ChangeAsync($"INSERT INTO items VALUES ({id}, 'n{id}')", $"c:{id}:n{id}");
            }

            await WaitForEventsAsync(_expected.Count - 100, readCommitted: true);
            await worker.KillAsync();
            await ChangeAsync($"UPDATE items SET v = 'a{round + 1}' WHERE id = 1", $"u:1:a{round + 1}");
            worker = await StartWorkerAsync();
            await worker.Rest.WaitForRunningAsync("items-cdc", workerId: worker.WorkerId);
        }

        await ChangeAsync("DELETE FROM items WHERE id = 2", "d:2:", "t:2");
        var events = await WaitForLastAsync(_expected[^1], readCommitted: true);
        Assert.Equal(_expected, events);
        await worker.StopAsync();
    }

    private Dictionary<string, string> Config()
    {
        var b = new NpgsqlConnectionStringBuilder(_db.ConnectionString);
        return new Dictionary<string, string>
        {
            ["connector.class"] = "PostgresCdcSource",
            ["database.hostname"] = b.Host!,
            ["database.port"] = b.Port.ToString(CultureInfo.InvariantCulture),
            ["database.user"] = b.Username!,
            ["database.password"] = b.Password!,
            ["database.dbname"] = b.Database!,
            ["plugin.name"] = "pgoutput",
            ["slot.name"] = "s_" + _db.Name,
            ["publication.name"] = "p_" + _db.Name,
            ["publication.autocreate.mode"] = "filtered",
            ["table.include.list"] = @"public\.items",
            ["topic.prefix"] = "cdc",
            ["snapshot.mode"] = "initial",
            ["poll.interval.ms"] = "100",
        };
    }

    private async Task<WorkerProcess> StartWorkerAsync()
    {
        var worker = await WorkerProcess.StartAsync(_broker.BootstrapServers, _group, _workerConfig);
        _workers.Add(worker);
        return worker;
    }

    private async Task ChangeAsync(string sql, params string[] events)
    {
        await _db.ExecuteAsync(sql);
        _expected.AddRange(events);
    }

    /// <summary>The events as <c>op:id:v</c> (deletes <c>d:id:</c>, tombstones <c>t:id</c>), checking each one's Debezium shape.</summary>
    private List<string> ReadEvents(int atLeast, Func<List<string>, bool>? done = null, bool readCommitted = false)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = _broker.BootstrapServers,
            ["fetch.max.wait.ms"] = "100",
            ["isolation.level"] = readCommitted ? "read_committed" : "read_uncommitted",
        }).Build();
        consumer.Assign([new TopicPartitionOffset(Topic, 0, Offset.Beginning)]);
        var events = new List<string>();
        var end = DateTime.UtcNow.AddSeconds(90);
        while ((events.Count < atLeast || (done is not null && !done(events))) && DateTime.UtcNow < end)
        {
            IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch;
            try
            {
                batch = consumer.ConsumeBatch(TimeSpan.FromMilliseconds(200));
            }
            catch (KafkaException)
            {
                Thread.Sleep(200); // The topic appears with the first event.
                continue;
            }

            events.AddRange(batch.Select(Describe));
        }

        return events;
    }

    private static string Describe(ConsumeResult<byte[]?, byte[]?> record)
    {
        var key = JsonNode.Parse(record.Message!.Key!)!["id"]!.GetValue<int>();
        if (record.Message.Value is null)
        {
            return $"t:{key}";
        }

        var envelope = JsonNode.Parse(record.Message.Value)!.AsObject();
        foreach (var field in new[] { "before", "after", "source", "op", "ts_ms" })
        {
            Assert.True(envelope.ContainsKey(field), $"{field} missing in {envelope.ToJsonString()}");
        }

        var op = envelope["op"]!.GetValue<string>();
        Assert.Equal("items", envelope["source"]!["table"]!.GetValue<string>());
        if (op == "d")
        {
            Assert.Null(envelope["after"]);
            return $"d:{envelope["before"]!["id"]!.GetValue<int>()}:";
        }

        var after = envelope["after"]!;
        Assert.Equal(key, after["id"]!.GetValue<int>());
        return $"{op}:{key}:{after["v"]!.GetValue<string>()}";
    }

    private async Task<List<string>> WaitForEventsAsync(int count, bool readCommitted = false)
    {
        var events = await Task.Run(() => ReadEvents(count, readCommitted: readCommitted));
        Assert.True(events.Count >= count, $"{events.Count} of {count} events: {string.Join(' ', events)}\n{string.Join("\n----\n", _workers.Select(w => w.Output))}");
        return events;
    }

    private async Task<List<string>> WaitForLastAsync(string last, bool readCommitted = false)
    {
        var events = await Task.Run(() => ReadEvents(_expected.Count, e => e.Count > 0 && e[^1] == last, readCommitted));
        Assert.True(events.Count > 0 && events[^1] == last,
            $"never saw {last}: {string.Join(' ', events.TakeLast(20))}\n{string.Join("\n----\n", _workers.Select(w => w.Output))}");
        return events;
    }

    /// <summary>
    /// The events are the expected ones in order, except that after the kill the stream may restart at the stored
    /// offset, repeating a contiguous run of events from before it: from the resume point on, each event once.
    /// </summary>
    private void AssertResumedWithoutGap(List<string> events)
    {
        var index = _expected.Select((e, i) => (e, i)).ToDictionary(p => p.e, p => p.i);
        var previous = -1;
        var resumes = 0;
        foreach (var e in events)
        {
            Assert.True(index.TryGetValue(e, out var i), $"unexpected event {e}");
            if (i != previous + 1)
            {
                // Only a step back to a resume point; never a step over an event.
                Assert.True(i <= previous, $"gap: {_expected[previous + 1]} missing before {e}");
                resumes++;
            }

            previous = i;
        }

        Assert.Equal(_expected.Count - 1, previous);
        Assert.InRange(resumes, 0, 1);
    }
}
