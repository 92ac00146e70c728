using System.Diagnostics;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;

namespace Platform.Benchmarks;

/// <summary>
/// How long a group of our consumers takes to rebalance when one member joins: from the newcomer's
/// first poll (its JoinGroup) until every partition is owned by exactly one member and the newcomer
/// reads some. Eager range revokes everything; cooperative-sticky moves only what it must.
/// </summary>
internal static class RebalanceBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var members = options.Int("members", 10);
        var partitions = options.Int("partitions", 100);
        var rounds = options.Int("rounds", 3);
        await using var broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.GroupInitialRebalanceDelayMs = 0;
            o.NumPartitions = partitions;
        });
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "rebalance", NumPartitions = partitions, ReplicationFactor = 1 }]);
        }

        Report.Heading($"rebalance: {members} members + 1 joining, {partitions} partitions ({Report.Load()})");
        foreach (var strategy in new[] { "range", "cooperative-sticky" })
        {
            var times = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                times.Add(await OneRoundAsync(broker.BootstrapServers, $"{strategy}-{round}", strategy, members, partitions));
            }

            Report.Row(strategy, times, "ms", 0);
            if (strategy == "cooperative-sticky")
            {
                Console.WriteLine($"  goal < 1000 ms with cooperative-sticky: {Report.Goal(Report.Median(times) < 1000)}");
            }
        }

        return 0;
    }

    private static async Task<double> OneRoundAsync(string bootstrap, string group, string strategy, int count, int partitions)
    {
        var group0 = Enumerable.Range(0, count).Select(_ => new Poller(bootstrap, group, strategy)).ToList();
        try
        {
            await WaitAsync(() => Settled(group0, partitions), TimeSpan.FromSeconds(60));
            var joiner = new Poller(bootstrap, group, strategy, start: false);
            group0.Add(joiner);
            var clock = Stopwatch.StartNew();
            joiner.Start();
            await WaitAsync(() => joiner.Owned > 0 && Settled(group0, partitions), TimeSpan.FromSeconds(60));
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await Task.WhenAll(group0.Select(p => p.StopAsync()));
        }
    }

    private static bool Settled(List<Poller> pollers, int partitions)
    {
        var all = pollers.SelectMany(p => p.Snapshot).ToList();
        return all.Count == partitions && all.Distinct().Count() == partitions;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("The group did not settle.");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>A subscribed consumer polling on its own thread; publishes its assignment after each poll.</summary>
    private sealed class Poller
    {
        private readonly IConsumer<byte[]?, byte[]?> _consumer;
        private readonly Thread _thread;
        private volatile bool _stop;
        private volatile List<TopicPartition> _snapshot = [];

        public Poller(string bootstrap, string group, string strategy, bool start = true)
        {
            _consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = group,
                PartitionAssignmentStrategy = strategy,
                HeartbeatIntervalMs = 100,
                SessionTimeoutMs = 10000,
                FetchMaxWaitMs = 100,
            }).Build();
            _thread = new Thread(Run) { IsBackground = true };
            if (start)
            {
                Start();
            }
        }

        public List<TopicPartition> Snapshot => _snapshot;

        public int Owned => _snapshot.Count;

        public void Start()
        {
            _consumer.Subscribe("rebalance");
            _thread.Start();
        }

        private void Run()
        {
            while (!_stop)
            {
                _consumer.Consume(TimeSpan.FromMilliseconds(20));
                _snapshot = _consumer.Assignment;
            }
        }

        public Task StopAsync() => Task.Run(() =>
        {
            _stop = true;
            if (_thread.IsAlive)
            {
                _thread.Join();
            }

            _consumer.Close();
        });
    }
}
