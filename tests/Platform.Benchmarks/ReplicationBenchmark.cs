using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Cluster;

namespace Platform.Benchmarks;

/// <summary>
/// <c>replication</c>: kcat producing N lines with acks=all into a topic replicated three times (three in-process
/// brokers, the ISR in a real etcd, followers fetching over loopback) against kcat producing them with acks=1
/// into an unreplicated topic of a single broker, alternating rounds. Roles are applied to the brokers directly
/// (as the cluster service would); every partition is led by broker 1, whose metadata names itself leader.
/// </summary>
internal static class ReplicationBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var records = options.Long("records", 1_000_000);
        var size = options.Int("size", 100);
        var partitions = options.Int("partitions", 4);
        var rounds = options.Int("rounds", 3);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-replication"));
        IngestBenchmark.ResetDirectory(root);
        Console.WriteLine($"replication: {records:N0} records of {size} bytes, {partitions} partitions, {rounds} rounds, in {root} ({Report.Load()})");
        var file = Path.Combine(root, "records.txt");
        await IngestBenchmark.WriteRecordsAsync(file, records, size);

        using var etcd = StartEtcd(Path.Combine(root, "etcd"), out var etcdEndpoint);
        await using var store = EtcdClusterStore.Connect([etcdEndpoint], "/bench");
        var isrStore = new EtcdIsrStore(store);
        var single = await EmbeddedBroker.StartAsync(o => o.DataDir = Path.Combine(root, "single"));
        var cluster = new List<EmbeddedBroker>();
        var registrations = new List<BrokerSession>();
        try
        {
            for (var id = 1; id <= 3; id++)
            {
                var nodeId = id;
                cluster.Add(await EmbeddedBroker.StartAsync(
                    o =>
                    {
                        o.NodeId = nodeId;
                        o.DataDir = Path.Combine(root, $"broker-{nodeId}");
                    },
                    configureServices: services => services.AddSingleton<IIsrStore>(isrStore)));
            }

            var endpoints = cluster.Select((b, i) => new BrokerEndpoint(i + 1, "127.0.0.1", b.Port)).ToDictionary(e => e.Id);
            foreach (var broker in cluster)
            {
                broker.Services.GetRequiredService<IReplicaManager>().UpdateBrokers(endpoints);
            }

            await WaitForEtcdAsync(store);

            // Registered as the cluster service would register them: only a registered broker's replica may rejoin an ISR.
            foreach (var endpoint in endpoints.Values)
            {
                registrations.Add(await store.RegisterBrokerAsync(new BrokerRegistration(endpoint.Id, endpoint.Host, endpoint.Port), TimeSpan.FromSeconds(30)));
            }

            List<double> replicated = [], unreplicated = [];
            for (var round = 0; round <= rounds; round++)
            {
                // Round 0 warms both up (JIT, page cache) and is not counted.
                var topic = $"bench-{round}";
                Create(single, topic, partitions);
                var baseline = await ProduceAsync(single, topic, "1", file);
                foreach (var broker in cluster)
                {
                    Create(broker, topic, partitions);
                }

                await ReplicateAsync(cluster, store, topic, partitions);
                var withIsr = await ProduceAsync(cluster[0], topic, "all", file);
                await VerifyAsync(cluster, topic, partitions, records);
                if (round > 0)
                {
                    unreplicated.Add(records / baseline.TotalSeconds);
                    replicated.Add(records / withIsr.TotalSeconds);
                    Console.WriteLine($"  round {round}: RF=3 acks=all {Report.F(replicated[^1], 0)} rec/s, RF=1 acks=1 {Report.F(unreplicated[^1], 0)} rec/s, {Report.Load()}");
                }
            }

            Report.Heading($"replicated ingest (kcat -P, linger.ms=5, {records:N0} x {size} B, {partitions} partitions, three brokers in one process)");
            Report.Row("RF=3 acks=all (records/s)", replicated, "rec/s", 0);
            Report.Row("RF=1 acks=1 (records/s)", unreplicated, "rec/s", 0);
            var ratio = Report.Median(replicated) / Report.Median(unreplicated);
            Console.WriteLine($"  RF=3 acks=all / RF=1 acks=1: {Report.Percent(ratio)} (goal >= 50%: {Report.Goal(ratio >= 0.5)})");
            return 0;
        }
        finally
        {
            foreach (var broker in cluster)
            {
                await broker.DisposeAsync();
            }

            await single.DisposeAsync();
            foreach (var registration in registrations)
            {
                await registration.DisposeAsync();
            }

            etcd.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Create(EmbeddedBroker broker, string topic, int partitions)
    {
        var result = broker.Services.GetRequiredService<TopicManager>().CreateTopic(topic, partitions, 1, new Dictionary<string, string?>(), validateOnly: false);
        if (result.Error != Platform.Protocol.ErrorCode.None)
        {
            throw new InvalidOperationException($"Creating {topic}: {result.Error} {result.Message}");
        }
    }

    /// <summary>Every partition led by broker 1 with 2 and 3 following, recorded in etcd and applied to each broker.</summary>
    private static async Task ReplicateAsync(List<EmbeddedBroker> cluster, EtcdClusterStore store, string topic, int partitions)
    {
        for (var partition = 0; partition < partitions; partition++)
        {
            var role = new PartitionRole(1, 1, [1, 2, 3], [1, 2, 3], 0);
            await store.TryUpdatePartitionStateAsync(topic, partition, new PartitionState(1, 1, [1, 2, 3], 0, 0), 0);
            for (var id = 0; id < cluster.Count; id++)
            {
                var replica = cluster[id].Services.GetRequiredService<TopicManager>().GetPartition(topic, partition)!;
                await cluster[id].Services.GetRequiredService<IReplicaManager>().ApplyRoleAsync(replica, role, CancellationToken.None);
            }
        }
    }

    private static async Task<TimeSpan> ProduceAsync(EmbeddedBroker broker, string topic, string acks, string file)
    {
        string[] args = ["-P", "-b", broker.BootstrapServers, "-t", topic, "-X", $"acks={acks}", "-X", "linger.ms=5", "-l", file];
        var result = await Shell.RunAsync(IngestBenchmark.Kcat, args);
        if (result.ExitCode != 0 || result.Stderr.Contains("ERROR", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"kcat {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        }

        return result.Elapsed;
    }

    /// <summary>Every record landed on all three replicas, and the logs are the same length.</summary>
    private static async Task VerifyAsync(List<EmbeddedBroker> cluster, string topic, int partitions, long expected)
    {
        var wait = Stopwatch.StartNew();
        while (true)
        {
            var ends = cluster.Select(b => Enumerable.Range(0, partitions).Sum(p => b.Services.GetRequiredService<TopicManager>().GetPartition(topic, p)!.LogEndOffset)).ToList();
            if (ends.All(e => e == expected))
            {
                return;
            }

            if (wait.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"Expected {expected:N0} records on every replica of {topic}; they hold {string.Join(", ", ends)}.");
            }

            await Task.Delay(50);
        }
    }

    internal static Process StartEtcd(string dataDir, out Uri endpoint)
    {
        var client = FreePort();
        var peer = FreePort();
        var url = $"http://127.0.0.1:{client}";
        endpoint = new Uri(url);
        var start = new ProcessStartInfo("etcd")
        {
            ArgumentList =
            {
                "--data-dir", dataDir, "--listen-client-urls", url, "--advertise-client-urls", url,
                "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
                "--initial-cluster", $"default=http://127.0.0.1:{peer}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitForEtcdAsync(EtcdClusterStore store)
    {
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                await store.GetBrokersAsync();
                return;
            }
            catch (Exception) when (wait.Elapsed < TimeSpan.FromSeconds(20))
            {
                // Not up yet.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
