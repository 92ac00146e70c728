using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connect.Tests;

/// <summary>
/// Every shipped connector through the real worker's REST API: a bad config is refused naming the key, an
/// unreachable database or endpoint is retried and then fails the task with the reason in its status, and poison
/// records go to the dead-letter topic with their context headers.
/// </summary>
public sealed class ConnectorAcceptanceTests
{
    // Nothing listens on a port we just bound and released.
    private static readonly int ClosedPort = FreePort();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"platform-acc-{Guid.NewGuid():N}"[..24], name);

    /// <summary>A valid config of each connector, then the key made invalid and the value that breaks it.</summary>
    public static TheoryData<string, string, string> BadConfigs => new()
    {
        { "PostgresSource", "mode", "sometimes" },
        { "PostgresCdcSource", "snapshot.mode", "whenever" },
        { "PostgresSink", "insert.mode", "merge" },
        { "SpoolDirSource", "input.format", "xml" },
        { "TailDirSource", "batch.size", "0" },
        { "FileSink", "file.format", "parquet" },
        { "HttpSource", "http.max.pending.requests", "none" },
        { "HttpPollSource", "http.pagination.mode", "pages" },
        { "HttpSink", "http.method", "GET" },
        { "SyslogSource", "format", "xml" },
    };

    private static Dictionary<string, string> ValidConfig(string connector) => connector switch
    {
        "PostgresSource" => new() { ["connection.url"] = $"jdbc:postgresql://127.0.0.1:{ClosedPort}/db?user=u&password=p", ["mode"] = "bulk", ["query"] = "SELECT 1 AS one", ["topic.prefix"] = "pg-", ["connection.attempts"] = "2" },
        "PostgresCdcSource" => new() { ["database.hostname"] = "127.0.0.1", ["database.port"] = ClosedPort.ToString(), ["database.user"] = "u", ["database.password"] = "p", ["database.dbname"] = "db", ["topic.prefix"] = "cdc", ["errors.max.retries"] = "2" },
        "PostgresSink" => new() { ["connection.url"] = $"jdbc:postgresql://127.0.0.1:{ClosedPort}/db?user=u&password=p", ["topics"] = "t", ["max.retries"] = "1", ["retry.backoff.ms"] = "100" },
        "SpoolDirSource" => new() { ["input.path"] = Temp("in"), ["finished.path"] = Temp("done"), ["error.path"] = Temp("error"), ["topic"] = "t" },
        "TailDirSource" => new() { ["file.globs"] = Temp("*.log"), ["position.file"] = Temp("pos.json"), ["topic"] = "t" },
        "FileSink" => new() { ["topics"] = "t", ["path"] = Temp("out") },
        "HttpSource" => new() { ["http.listen"] = $"127.0.0.1:{FreePort()}", ["topic"] = "t" },
        "HttpPollSource" => new() { ["http.url"] = $"http://127.0.0.1:{ClosedPort}/items", ["topic"] = "t", ["poll.interval.ms"] = "100" },
        "HttpSink" => new() { ["topics"] = "t", ["http.api.url"] = $"http://127.0.0.1:{ClosedPort}/in", ["max.retries"] = "1", ["retry.backoff.ms"] = "50" },
        "SyslogSource" => new() { ["listen"] = $"127.0.0.1:{FreePort()}", ["topic"] = "t" },
        _ => throw new ArgumentOutOfRangeException(nameof(connector)),
    };

    private static JsonObject Json(IReadOnlyDictionary<string, string> config)
        => new(config.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public async Task Create_BadValueOfAKey_400NamingTheKeyAndValidateReportsIt(string connector, string key, string value)
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var config = ValidConfig(connector);
        config["connector.class"] = connector;
        config["name"] = "bad";

        // The valid config passes validation...
        var (status, body) = await worker.SendAsync(HttpMethod.Put, $"connector-plugins/{connector}/config/validate", Json(config));
        Assert.Equal(200, status);
        Assert.True(body!["error_count"]!.GetValue<int>() == 0, body.ToJsonString());

        // ...and the bad value is refused with Kafka's error body naming the key.
        config[key] = value;
        (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "bad", ["config"] = Json(config) });
        Assert.Equal(400, status);
        Assert.Equal(400, body!["error_code"]!.GetValue<int>());
        Assert.Contains(key, body["message"]!.GetValue<string>());
        (status, body) = await worker.SendAsync(HttpMethod.Put, $"connector-plugins/{connector}/config/validate", Json(config));
        Assert.Equal(200, status);
        var entry = body!["configs"]!.AsArray().Single(c => c!["value"]!["name"]!.GetValue<string>() == key);
        Assert.NotEmpty(entry!["value"]!["errors"]!.AsArray());
        Assert.Equal(404, (await worker.GetAsync("connectors/bad")).Status);
    }

    public static TheoryData<string, string> Unreachable => new()
    {
        { "PostgresSource", "" },
        { "PostgresCdcSource", "" },
        { "PostgresSink", "{\"id\":1}" },
        { "HttpPollSource", "" },
        { "HttpSink", "{\"id\":1}" },
    };

    [Theory]
    [MemberData(nameof(Unreachable))]
    public async Task Task_DatabaseOrEndpointUnreachable_RetriedThenFailedWithTheReasonInStatus(string connector, string record)
    {
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        if (record.Length > 0)
        {
            await cluster.ProduceAsync("t", [(null, record)]);
        }

        var config = ValidConfig(connector);
        config["connector.class"] = connector;
        config["errors.retry.timeout"] = "3000";
        config["errors.retry.delay.max.ms"] = "500";
        config["errors.log.enable"] = "true";
        var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject { ["name"] = "down", ["config"] = Json(config) });
        Assert.True(status == 201, body?.ToJsonString());

        var failed = await worker.WaitForStatusAsync("down", s => s["tasks"]!.AsArray().Count == 1 && s["tasks"]![0]!["state"]!.GetValue<string>() == "FAILED",
            TimeSpan.FromSeconds(90));
        var trace = failed["tasks"]![0]!["trace"]!.GetValue<string>();
        Assert.True(Regex.IsMatch(trace, "(?i)refused|unreachable|failed to connect|could not connect"), trace);

        // Retried first: by the connector's own budget or by the runtime until errors.retry.timeout.
        Assert.True(Regex.IsMatch(trace, "(?i)giving up|errors\\.retry\\.timeout"), trace);
        Assert.Equal("RUNNING", failed["connector"]!["state"]!.GetValue<string>());
    }

    /// <summary>connectors-config/*.json (what the all-in-one platform loads) and connectors-config/examples/*.json.</summary>
    public static TheoryData<string> ShippedConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ConfigDirectory, "*.json").Concat(Directory.GetFiles(Path.Combine(ConfigDirectory, "examples"), "*.json")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(ConfigDirectory, file));
        }

        return data;
    }

    private static string ConfigDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Platform.sln not found above the test binaries."), "connectors-config");
        }
    }

    [Fact]
    public void ShippedConfigs_OnePerConnector_EveryConnectorHasAnExample()
    {
        var classes = Directory.GetFiles(Path.Combine(ConfigDirectory, "examples"), "*.json")
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!["config"]!["connector.class"]!.GetValue<string>())
            .ToList();
        Assert.Equal(BadConfigs.Select(row => (string)row[0]).Order(StringComparer.Ordinal), classes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public async Task ShippedConfig_PlainJsonInKafkaShape_PassesValidation(string file)
    {
        // Plain JSON (no comments), so curl can POST it as it is.
        var root = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ConfigDirectory, file)))!.AsObject();
        var name = root["name"]!.GetValue<string>();
        var config = root["config"]!.AsObject();
        Assert.All(config, kv => Assert.Equal(System.Text.Json.JsonValueKind.String, kv.Value!.GetValueKind()));
        config["name"] = name;

        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        var (status, body) = await worker.SendAsync(HttpMethod.Put, $"connector-plugins/{config["connector.class"]!.GetValue<string>()}/config/validate", config.DeepClone());
        Assert.Equal(200, status);
        Assert.True(body!["error_count"]!.GetValue<int>() == 0, string.Join("; ", body["configs"]!.AsArray()
            .Where(c => c!["value"]!["errors"]!.AsArray().Count > 0).Select(c => c!["value"]!.ToJsonString())));
    }

    private static string Header(ConsumeResult<byte[]?, byte[]?> record, string name)
        => Encoding.UTF8.GetString(record.Message!.Headers!.GetLastBytes("__connect.errors." + name)!);

    [Fact]
    public async Task PostgresSink_PoisonRecords_DeadLetteredWithContextAndTheOthersWritten()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL)");
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        await cluster.ProduceAsync("orders", [("1", "{\"id\":1,\"qty\":5}"), ("2", "{\"id\":2,\"qty\":\"many\"}"), ("3", "not json"), ("4", "{\"id\":4,\"qty\":7}")]);
        var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "orders-pg",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "PostgresSink",
                ["connection.url"] = db.JdbcUrl,
                ["topics"] = "orders",
                ["insert.mode"] = "upsert",
                ["pk.mode"] = "record_value",
                ["pk.fields"] = "id",
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = "orders-dlq",
            },
        });
        Assert.True(status == 201, body?.ToJsonString());

        var dead = cluster.Consume("orders-dlq", 2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, dead.Count);
        var byOffset = dead.ToDictionary(d => Header(d, "offset"));
        Assert.Equal(("orders", "0", "orders-pg", "TASK_PUT"), (Header(byOffset["1"], "topic"), Header(byOffset["1"], "partition"), Header(byOffset["1"], "connector.name"), Header(byOffset["1"], "stage")));
        Assert.Contains("qty", Header(byOffset["1"], "exception.message"));
        Assert.Equal("{\"id\":2,\"qty\":\"many\"}", Encoding.UTF8.GetString(byOffset["1"].Message!.Value!));
        Assert.Equal("VALUE_CONVERTER", Header(byOffset["2"], "stage"));
        Assert.Equal("not json", Encoding.UTF8.GetString(byOffset["2"].Message!.Value!));

        await Eventually.TrueAsync(() => db.ScalarAsync<long>("SELECT count(*) FROM orders").Result == 2, "the two good rows");
        Assert.Equal(12, await db.ScalarAsync<long>("SELECT sum(qty) FROM orders"));
        await worker.WaitForRunningAsync("orders-pg");
    }

    [Fact]
    public async Task PostgresSink_MalformedJsonObjectsOnceTheTableIsKnown_DeadLetteredAsConverterErrors()
    {
        // Once the table is known the sink reads each batch's documents before the runtime has checked them (one pass
        // for both): a bad one must still fail as the converter's error, never reach the table, never stop the others.
        await using var db = await TestDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE TABLE notes (id bigint PRIMARY KEY, qty int NOT NULL, note text)");
        await using var cluster = await ConnectCluster.StartAsync();
        var worker = await cluster.StartWorkerAsync();
        await cluster.ProduceAsync("notes", [("1", "{\"id\":1,\"qty\":1,\"note\":\"a\"}")]);
        var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
        {
            ["name"] = "notes-pg",
            ["config"] = new JsonObject
            {
                ["connector.class"] = "PostgresSink",
                ["connection.url"] = db.JdbcUrl,
                ["topics"] = "notes",
                ["insert.mode"] = "insert",
                ["errors.tolerance"] = "all",
                ["errors.deadletterqueue.topic.name"] = "notes-dlq",
            },
        });
        Assert.True(status == 201, body?.ToJsonString());
        await Eventually.TrueAsync(() => db.ScalarAsync<long>("SELECT count(*) FROM notes").Result == 1, "the first row");

        await cluster.ProduceAsync("notes", [
            ("2", "{\"id\":2,\"qty\":2,\"note\":\"b\"}"),
            ("3", "{\"id\":3,\"qty\":"),
            ("4", "{\"id\":4,\"qty\":4} {}"),
            ("5", "{\"id\":5,\"qty\":5,\"note\":\"\\uD800\"}"),
            ("6", "{\"id\":6,\"qty\":6,\"note\":\"\\q\"}"),
            ("{\"k\":", "{\"id\":7,\"qty\":7}"),
            ("8", "{\"id\":8,\"qty\":8,\"note\":\"h\"}"),
        ]);

        var dead = cluster.Consume("notes-dlq", 5, TimeSpan.FromSeconds(60));
        Assert.Equal(["2", "3", "4", "5", "6"], dead.Select(d => Header(d, "offset")).Order());
        var byOffset = dead.ToDictionary(d => Header(d, "offset"));
        Assert.All(["2", "3", "4", "5"], o => Assert.Equal("VALUE_CONVERTER", Header(byOffset[o], "stage")));
        Assert.Equal("KEY_CONVERTER", Header(byOffset["6"], "stage"));
        Assert.Equal("{\"id\":3,\"qty\":", Encoding.UTF8.GetString(byOffset["2"].Message!.Value!));

        await Eventually.TrueAsync(() => db.ScalarAsync<long>("SELECT count(*) FROM notes").Result == 3, "the good rows");
        Assert.Equal(11, await db.ScalarAsync<long>("SELECT sum(id) FROM notes"));
        await worker.WaitForRunningAsync("notes-pg");
    }

    [Fact]
    public async Task SpoolDirSource_BadFile_MovedToErrorPathAndDeadLetteredWithContext()
    {
        var root = Temp("");
        Directory.CreateDirectory(Path.Combine(root, "in"));
        try
        {
            await using var cluster = await ConnectCluster.StartAsync();
            var worker = await cluster.StartWorkerAsync();
            File.WriteAllLines(Path.Combine(root, "in", "good.json"), ["{\"n\":1}", "{\"n\":2}"]);
            File.WriteAllLines(Path.Combine(root, "in", "bad.json"), ["{\"n\":3}", "{broken"]);
            var (status, body) = await worker.SendAsync(HttpMethod.Post, "connectors", new JsonObject
            {
                ["name"] = "spool",
                ["config"] = new JsonObject
                {
                    ["connector.class"] = "SpoolDirSource",
                    ["input.path"] = Path.Combine(root, "in"),
                    ["input.format"] = "json",
                    ["input.file.pattern"] = @".*\.json",
                    ["finished.path"] = Path.Combine(root, "done"),
                    ["error.path"] = Path.Combine(root, "error"),
                    ["file.minimum.age.ms"] = "0",
                    ["poll.interval.ms"] = "100",
                    ["topic"] = "events",
                    ["errors.tolerance"] = "all",
                    ["errors.deadletterqueue.topic.name"] = "events-dlq",
                },
            });
            Assert.True(status == 201, body?.ToJsonString());

            var dead = Assert.Single(cluster.Consume("events-dlq", 1, TimeSpan.FromSeconds(60)));
            Assert.Equal("\"{broken\"", Encoding.UTF8.GetString(dead.Message!.Value!)); // the line, as a JSON string
            Assert.Equal(("spool", "0"), (Header(dead, "connector.name"), Header(dead, "task.id")));
            Assert.Contains("bad.json line 2", Header(dead, "exception.message"));
            Assert.Equal(2, cluster.Consume("events", 2).Count);
            Assert.True(File.Exists(Path.Combine(root, "error", "bad.json")));
            await Eventually.TrueAsync(() => File.Exists(Path.Combine(root, "done", "good.json")), "the good file finished");
            await worker.WaitForRunningAsync("spool");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
