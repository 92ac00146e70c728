using System.Globalization;
using Npgsql;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Connectors.Postgres.Tests.Support;

namespace Platform.Connect.Tests.EndToEnd;

/// <summary>
/// Files → topic → PostgreSQL with real parts: our broker on loopback (or a cluster the caller runs), a database of
/// its own, a temp spooling directory, and <c>platform connect</c> child processes. CSV files (<c>id,line</c>) are dropped by rename; the
/// spooling directory source reads them into <see cref="Topic"/> and the PostgreSQL sink upserts them into table
/// <c>lines</c> by the value's <c>id</c>.
/// </summary>
internal sealed class SpoolPipeline : IAsyncDisposable
{
    public const string Topic = "lines";
    public const int LinesPerFile = 2000;

    private readonly List<WorkerProcess> _workers = [];
    private int _files;

    private readonly IAsyncDisposable? _broker;

    private SpoolPipeline(string bootstrapServers, IAsyncDisposable? broker, TestDatabase db, string root, string[] workerProperties)
    {
        BootstrapServers = bootstrapServers;
        _broker = broker;
        Database = db;
        Root = root;
        foreach (var dir in new[] { Input, Finished, Errors })
        {
            Directory.CreateDirectory(dir);
        }

        WorkerConfig = WorkerProcess.WriteTestWorkerConfig(root, workerProperties);
    }

    public string BootstrapServers { get; }

    public TestDatabase Database { get; }

    public string Root { get; }

    public string Input => Path.Combine(Root, "in");

    public string Finished => Path.Combine(Root, "done");

    public string Errors => Path.Combine(Root, "error");

    public string WorkerConfig { get; }

    public string GroupId { get; } = "connect-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Lines written so far.</summary>
    public int Expected => _files * LinesPerFile;

    /// <summary>The pipeline on a broker of its own.</summary>
    public static async Task<SpoolPipeline> StartAsync()
    {
        var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 1000;
            o.OffsetsTopicNumPartitions = 3;
            o.TransactionStateLogNumPartitions = 3;
        });
        return await StartAsync(broker.BootstrapServers, broker, []);
    }

    /// <summary>The pipeline on <paramref name="bootstrapServers"/>, disposing <paramref name="broker"/> at the end; <paramref name="workerProperties"/> go to every worker.</summary>
    public static async Task<SpoolPipeline> StartAsync(string bootstrapServers, IAsyncDisposable? broker, string[] workerProperties)
    {
        var db = await TestDatabase.CreateAsync();
        var root = Path.Combine(Path.GetTempPath(), "platform-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return new SpoolPipeline(bootstrapServers, broker, db, root, workerProperties);
    }

    /// <summary>A published native <c>platform</c> the workers run as, instead of the built dll; null for the dll.</summary>
    public string? Executable { get; set; }

    public async Task<WorkerProcess> StartWorkerAsync()
    {
        var worker = await WorkerProcess.StartAsync(BootstrapServers, GroupId, WorkerConfig, executable: Executable);
        _workers.Add(worker);
        return worker;
    }

    public Dictionary<string, string> SourceConfig(int tasks = 1) => new()
    {
        ["connector.class"] = "SpoolDirSource",
        ["tasks.max"] = tasks.ToString(CultureInfo.InvariantCulture),
        ["input.path"] = Input,
        ["input.file.pattern"] = @".*\.csv",
        ["input.format"] = "csv",
        ["finished.path"] = Finished,
        ["error.path"] = Errors,
        ["cleanup.policy"] = "move",
        ["topic"] = Topic,
        ["batch.size"] = "200",
        ["poll.interval.ms"] = "100",
        ["file.minimum.age.ms"] = "0",
    };

    public Dictionary<string, string> SinkConfig(string pkMode = "record_value", int tasks = 1)
    {
        var config = new Dictionary<string, string>
        {
            ["connector.class"] = "PostgresSink",
            ["tasks.max"] = tasks.ToString(CultureInfo.InvariantCulture),
            ["connection.url"] = Database.JdbcUrl,
            ["topics"] = Topic,
            ["insert.mode"] = "upsert",
            ["pk.mode"] = pkMode,
            ["pk.fields"] = "id",
            ["auto.create"] = "true",
            ["batch.size"] = "500",
            ["retry.backoff.ms"] = "200",

            // CSV fields are text: the id column is a bigint.
            ["transforms"] = "cast",
            ["transforms.cast.type"] = "org.apache.kafka.connect.transforms.Cast$Value",
            ["transforms.cast.spec"] = "id:int64",
        };
        if (pkMode == "record_key")
        {
            // The key is the id, copied from the value: the upsert's key is then the record key.
            config["transforms"] = "cast,key,unwrap";
            config["transforms.key.type"] = "org.apache.kafka.connect.transforms.ValueToKey";
            config["transforms.key.fields"] = "id";
            config["transforms.unwrap.type"] = "org.apache.kafka.connect.transforms.ExtractField$Key";
            config["transforms.unwrap.field"] = "id";
        }

        return config;
    }

    public async Task CreateTopicAsync(int partitions)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Writes the next <paramref name="count"/> files elsewhere and renames them into the spooling directory (complete at once).</summary>
    public void DropFiles(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var file = _files++;
            var staging = Path.Combine(Root, $"file{file:D3}.csv");
            File.WriteAllLines(staging, ["id,line", .. Enumerable.Range(0, LinesPerFile).Select(n => $"{Id(file, n)},{Line(file, n)}")]);
            File.Move(staging, Path.Combine(Input, $"file{file:D3}.csv"));
        }
    }

    public static long Id(int file, int line) => (file * (long)LinesPerFile) + line;

    public static string Line(int file, int line) => $"file{file}-line{line}";

    /// <summary>Rows in the sink table (0 before the sink created it).</summary>
    public async Task<long> RowCountAsync()
    {
        try
        {
            return await Database.ScalarAsync<long>("SELECT count(*) FROM lines");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>Polls until the table holds at least <paramref name="rows"/> rows.</summary>
    public async Task<long> WaitForRowsAsync(long rows, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(120));
        long count;
        while ((count = await RowCountAsync()) < rows)
        {
            if (DateTime.UtcNow > end)
            {
                // What the live workers report of their connectors and tasks (states, traces), besides what they logged.
                var statuses = new List<string>();
                foreach (var worker in _workers.Where(w => !w.HasExited))
                {
                    var (status, body) = await worker.Rest.GetAsync("connectors?expand=status");
                    statuses.Add($"{worker.WorkerId}: {status} {body?.ToJsonString()}");
                }

                throw new TimeoutException($"{count} of {rows} rows in PostgreSQL; statuses: {string.Join("\n", statuses)}\nworkers said: {string.Join("\n----\n", _workers.Select(w => w.Output))}");
            }

            // Often: the tests kill a worker or a broker as soon as the first rows arrive, while most lines are still on
            // their way, and a worker can turn the first files into rows within a few hundred milliseconds.
            await Task.Delay(20);
        }

        return count;
    }

    /// <summary>Every line written is exactly one row with its content, and every file was finished.</summary>
    public async Task AssertEveryLineExactlyOnceAsync()
    {
        var rows = new List<(long Id, string Line)>();
        await using (var conn = await Database.DataSource.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand("SELECT id, line FROM lines ORDER BY id", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        var expected = Enumerable.Range(0, _files).SelectMany(f => Enumerable.Range(0, LinesPerFile).Select(n => (Id(f, n), Line(f, n)))).ToList();
        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(expected, rows);

        // Files leave the spooling directory once all their records are acknowledged; none was refused.
        var end = DateTime.UtcNow.AddSeconds(30);
        while (Directory.EnumerateFiles(Input).Any() && DateTime.UtcNow < end)
        {
            await Task.Delay(200);
        }

        Assert.Empty(Directory.EnumerateFiles(Input));
        Assert.Empty(Directory.EnumerateFiles(Errors));
        Assert.Equal(_files, Directory.EnumerateFiles(Finished).Count());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await Database.DisposeAsync();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }
}
