using System.Collections.Concurrent;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>An embedded broker with the helpers the runtime's integration tests share: topics, input, reading output, temporary state folders.</summary>
internal sealed class StreamsTestCluster : IAsyncDisposable
{
    private readonly List<string> _directories = [];

    private StreamsTestCluster(EmbeddedBroker broker) => Broker = broker;

    public EmbeddedBroker Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    public static async Task<StreamsTestCluster> StartAsync()
        => new(await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.GroupMinSessionTimeoutMs = 500;
            o.AutoCreateTopicsEnable = false;
        }));

    public async Task CreateTopicAsync(string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }]);
    }

    public async Task ProduceAsync(string topic, params (string? Key, string Value)[] records)
    {
        using var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = BootstrapServers }).Build();
        foreach (var (key, value) in records)
        {
            await producer.ProduceAsync(topic, new Message<string?, string?> { Key = key, Value = value });
        }
    }

    /// <summary>A new empty folder for state.dir, deleted with the cluster.</summary>
    public string NewStateDir()
    {
        var path = Path.Combine(Path.GetTempPath(), "streams-it-" + Guid.NewGuid().ToString("N"));
        _directories.Add(path);
        return path;
    }

    public StreamsConfig Config(string applicationId, string stateDir, string guarantee = "at_least_once", int threads = 1)
        => new(new Dictionary<string, string>
        {
            ["application.id"] = applicationId,
            ["bootstrap.servers"] = BootstrapServers,
            ["state.dir"] = stateDir,
            ["processing.guarantee"] = guarantee,
            ["num.stream.threads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["commit.interval.ms"] = "100",
            ["consumer.session.timeout.ms"] = "6000",
            ["consumer.heartbeat.interval.ms"] = "200",
            ["consumer.fetch.max.wait.ms"] = "50",
            ["restore.consumer.fetch.max.wait.ms"] = "50",
            ["producer.linger.ms"] = "5",
        });

    /// <summary>
    /// Word count on the Processor API: lines are split into words, repartitioned by word through the internal
    /// topic <c>&lt;application.id&gt;-words-repartition</c>, and counted in the store <paramref name="supplier"/> makes.
    /// </summary>
    public static Topology WordCount(IKeyValueBytesStoreSupplier supplier, string input = "words-input", string output = "word-counts")
    {
        var topology = new Topology()
            .AddSource("lines", Serdes.String, Serdes.String, input)
            .AddProcessor("split", () => new SplitWordsProcessor(), "lines")
            .AddSink("to-words", "words-repartition", Serdes.String, Serdes.String, null, "split")
            .AddSource("words", Serdes.String, Serdes.String, "words-repartition")
            .AddProcessor("count", () => new WordCountProcessor(supplier.Name), "words")
            .AddStateStore(Stores.KeyValueStoreBuilder(supplier, Serdes.String, Serdes.Int64), "count")
            .AddSink("sink", output, Serdes.String, Serdes.Int64, null, "count");
        topology.AddInternalTopic(new Processors.Internal.RepartitionTopicConfig("words-repartition"));
        return topology;
    }

    /// <summary>Reads <paramref name="topic"/> from the beginning (read_committed) until <paramref name="done"/> holds for what was read.</summary>
    public async Task<List<(string Key, long Value)>> ReadUntilAsync(string topic, Func<List<(string Key, long Value)>, bool> done, int timeoutMs = 30000)
    {
        var records = new List<(string, long)>();
        using var consumer = new ConsumerBuilder<string, long>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).SetValueDeserializer(Serdes.Int64).Build();
        consumer.Subscribe(topic);
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!done(records))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Timed out reading {topic}; got {records.Count} records: {string.Join(", ", records.TakeLast(20))}");
            }

            foreach (var result in consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)))
            {
                records.Add((result.Message!.Key, result.Message.Value));
            }

            await Task.Yield();
        }

        return records;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutMs = 30000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The last count seen per word.</summary>
    public static Dictionary<string, long> Latest(List<(string Key, long Value)> records)
    {
        var latest = new Dictionary<string, long>();
        foreach (var (key, value) in records)
        {
            latest[key] = value;
        }

        return latest;
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
