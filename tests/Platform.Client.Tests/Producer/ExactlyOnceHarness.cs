using System.Net;
using System.Net.Sockets;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Serialization;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// What the exactly-once tests share, whichever client does the copying: a broker on a fixed port and
/// data directory that a fault injector restarts in place (clients reconnect to the same address),
/// numbered input records, and the read_committed check of the output.
/// </summary>
internal sealed class ExactlyOnceHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Action<BrokerOptions> _configure;
    private readonly string _dataDir;

    private ExactlyOnceHarness(Action<BrokerOptions> configure, string dataDir, EmbeddedBroker broker)
    {
        _configure = configure;
        _dataDir = dataDir;
        Broker = broker;
    }

    public EmbeddedBroker Broker { get; private set; }

    /// <summary>Stays the same across restarts.</summary>
    public string Bootstrap => Broker.BootstrapServers;

    /// <summary>A seed from PLATFORM_EOS_SEED (to replay a failure), else <paramref name="fallback"/>.</summary>
    public static int Seed(int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_EOS_SEED"), out var seed) ? seed : fallback;

    public static async Task<ExactlyOnceHarness> StartAsync(string name, Action<BrokerOptions>? configure = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"{name}-{Guid.NewGuid():N}");
        var port = FreePort();
        void Configure(BrokerOptions o)
        {
            o.Listen = $"127.0.0.1:{port}";
            o.DataDir = dataDir;
            o.GroupInitialRebalanceDelayMs = 0;
            configure?.Invoke(o);
        }

        return new ExactlyOnceHarness(Configure, dataDir, await EmbeddedBroker.StartAsync(Configure));
    }

    /// <summary>Stops the broker (a clean shutdown) and starts it again on the same port and data.</summary>
    public async Task RestartBrokerAsync()
    {
        await Broker.StopAsync();
        await Broker.DisposeAsync();
        Broker = await EmbeddedBroker.StartAsync(_configure);
    }

    public async Task CreateTopicsAsync(int partitions, params string[] topics)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        await admin.CreateTopicsAsync([.. topics.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = 1 })]);
    }

    /// <summary>Values <c>000000</c>, <c>000001</c>... spread round-robin over the partitions.</summary>
    public void ProduceNumbered(string topic, int records, int partitions)
    {
        using var input = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = Bootstrap, LingerMs = 5 }).Build();
        for (var i = 0; i < records; i++)
        {
            input.Produce(new TopicPartition(topic, i % partitions), new Message<Null, string> { Value = Numbered(i) });
        }

        Assert.Equal(0, input.Flush(Timeout));
    }

    public static string Numbered(int i) => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every value of <paramref name="topic"/> a read_committed consumer sees, until it has seen nothing new for 2 s.</summary>
    public async Task<List<string>> ReadCommittedAsync(string topic, int partitions, int expected)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>(expected);
        var idleSince = DateTime.UtcNow;
        while (DateTime.UtcNow - idleSince < TimeSpan.FromSeconds(2))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message)
            {
                values.Add(message.Value);
                idleSince = DateTime.UtcNow;
            }
        }

        await Task.CompletedTask;
        return values;
    }

    /// <summary>The copies hold <c>Numbered(0..records-1)</c> each exactly once: no duplicate, none missing, nothing else.</summary>
    public static void AssertExactlyOnce(IReadOnlyCollection<string> copies, int records, string faults)
    {
        var duplicates = copies.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"duplicates such as {string.Join(", ", duplicates)} ({faults})");
        var missing = Enumerable.Range(0, records).Select(Numbered).Except(copies).Take(5).ToList();
        Assert.True(missing.Count == 0, $"missing such as {string.Join(", ", missing)} ({faults})");
        Assert.Equal(records, copies.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
