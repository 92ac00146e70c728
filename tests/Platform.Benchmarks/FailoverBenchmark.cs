using System.Diagnostics;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Benchmarks;

/// <summary>
/// <c>failover</c>: a real etcd and three <c>platform broker</c> processes (Release build), a topic with three
/// replicas and <c>min.insync.replicas=2</c>, and our producer writing to partition 0 with acks=all one record at
/// a time, without pause. Each trial SIGKILLs the partition's leader and measures, from the kill, the first
/// successful acks=all write sent after it and the first Metadata (from a survivor) naming a new leader; it
/// also reads the under-replicated partitions of the survivors' view (DescribeTopicPartitions: ISR smaller
/// than the replicas, what the leaders' <c>broker.partitions.under_replicated</c> gauges add up to). The killed
/// broker is then started again and the next trial waits until it is back in the ISR.
/// </summary>
internal static class FailoverBenchmark
{
    private const string Topic = "failover";

    public static async Task<int> RunAsync(Options options)
    {
        var trials = options.Int("trials", 20);
        var sessionMs = options.Int("session-timeout-ms", 9_000);
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-failover"));
        IngestBenchmark.ResetDirectory(root);
        Console.WriteLine($"failover: {trials} trials, broker.session.timeout.ms={sessionMs}, in {root} ({Report.Load()})");

        using var etcd = ReplicationBenchmark.StartEtcd(Path.Combine(root, "etcd"), out var etcdEndpoint);
        await using (var store = EtcdClusterStore.Connect([etcdEndpoint], "/wait"))
        {
            await ReplicationBenchmark.WaitForEtcdAsync(store);
        }

        var config = $$"""{ "Broker": { "num.partitions": 1, "broker.session.timeout.ms": {{sessionMs}}, "replica.lag.time.max.ms": 10000 } }""";
        var brokers = new BrokerProcess?[3];
        var ports = new int[3];
        async Task StartAsync(int id)
        {
            var broker = await BrokerProcess.StartAsync(
                executable, Path.Combine(root, $"broker-{id}"), config, ports[id - 1], ["--node-id", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--etcd", etcdEndpoint.ToString()]);
            brokers[id - 1] = broker;
            ports[id - 1] = broker.Port;
        }

        using var stop = new CancellationTokenSource();
        Task? producing = null;
        try
        {
            for (var id = 1; id <= 3; id++)
            {
                await StartAsync(id);
            }

            await CreateTopicAsync(ports[0]);
            var bootstrap = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
            var writes = new Writes();
            producing = Task.Run(() => ProduceAsync(bootstrap, writes, stop.Token));

            List<double> toWrite = [], toMetadata = [], toRawWrite = [];
            var underReplicated = new List<double>();
            for (var trial = 1; trial <= trials; trial++)
            {
                var (leader, _) = await WaitForFullIsrAsync(ports, brokers);
                await writes.WaitForNextAsync(TimeSpan.FromSeconds(60));
                var survivor = leader % 3 + 1;
                await using var watcher = await WireClient.ConnectAsync(ports[survivor - 1]);

                var killedAt = Stopwatch.GetTimestamp();
                await brokers[leader - 1]!.KillAsync();
                var (elected, newLeader) = await WaitForNewLeaderAsync(watcher, leader, TimeSpan.FromSeconds(120));
                var metadataMs = Stopwatch.GetElapsedTime(killedAt, elected).TotalMilliseconds;
                var under = await UnderReplicatedAsync(watcher);
                var rawMs = Stopwatch.GetElapsedTime(killedAt, await FirstRawWriteAsync(ports[newLeader - 1])).TotalMilliseconds;
                var writtenAt = await writes.FirstSentAfterAsync(killedAt, TimeSpan.FromSeconds(120));
                var writeMs = Stopwatch.GetElapsedTime(killedAt, writtenAt).TotalMilliseconds;
                toWrite.Add(writeMs);
                toMetadata.Add(metadataMs);
                toRawWrite.Add(rawMs);
                underReplicated.Add(under);
                Console.WriteLine(
                    $"  trial {trial}: killed broker {leader}; new leader {newLeader} in metadata after {Report.F(metadataMs, 0)} ms, accepts acks=all (raw) after {Report.F(rawMs, 0)} ms, "
                    + $"producer's first acks=all write after {Report.F(writeMs, 0)} ms; "
                    + $"under-replicated partitions {under}; {Report.Load()}");

                await StartAsync(leader);
            }

            await stop.CancelAsync();
            await producing;
            Report.Heading($"failover (SIGKILL of the leader, RF=3, min.insync.replicas=2, acks=all, broker.session.timeout.ms={sessionMs}, {trials} trials)");
            Row("leader killed -> first acks=all write (ms)", toWrite);
            Row("leader killed -> metadata shows new leader (ms)", toMetadata);
            Row("leader killed -> new leader accepts a raw acks=all produce (ms)", toRawWrite);
            Console.WriteLine($"  under-replicated partitions during the outage: {string.Join(", ", underReplicated.Distinct())}; writes acknowledged {writes.Count:N0}, failed {writes.Failures:N0}");
            return 0;
        }
        finally
        {
            await stop.CancelAsync();
            if (producing is not null)
            {
                await producing.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            foreach (var broker in brokers)
            {
                if (broker is not null)
                {
                    await broker.DisposeAsync();
                }
            }

            etcd.Kill();
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Row(string name, List<double> values)
    {
        var sorted = values.Order().ToList();
        var p99 = sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)];
        Console.WriteLine($"  {name}: median {Report.F(Report.Median(values), 0)}, p99 {Report.F(p99, 0)}, max {Report.F(sorted[^1], 0)}, min {Report.F(sorted[0], 0)}");
    }

    private static async Task CreateTopicAsync(int port)
    {
        await using var client = await WireClient.ConnectAsync(port);
        var request = new CreateTopicsRequest
        {
            TimeoutMs = 30_000,
            Topics = [new() { Name = Topic, NumPartitions = 1, ReplicationFactor = 3, Configs = [new() { Name = "min.insync.replicas", Value = "2" }] }],
        };
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(200))
        {
            // The brokers may still be registering: fewer than three live brokers refuse RF=3.
            var error = (ErrorCode)(await client.SendAsync<CreateTopicsResponse>(request, 7)).Topics[0].ErrorCode;
            if (error is ErrorCode.None or ErrorCode.TopicAlreadyExists)
            {
                return;
            }

            if (wait.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"Creating {Topic}: {error}");
            }
        }
    }

    /// <summary>Waits until every broker's metadata shows partition 0 led with all three replicas in sync; returns the leader.</summary>
    private static async Task<(int Leader, int Epoch)> WaitForFullIsrAsync(int[] ports, BrokerProcess?[] brokers)
    {
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            var seen = new List<MetadataResponse.MetadataResponsePartition>();
            foreach (var port in ports)
            {
                try
                {
                    await using var client = await WireClient.ConnectAsync(port);
                    var metadata = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = Topic }] }, 12);
                    seen.Add(metadata.Topics[0].Partitions.Single(p => p.PartitionIndex == 0));
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
                {
                    // Still starting.
                }
            }

            if (seen.Count == 3 && seen.All(p => p.IsrNodes.Count == 3 && p.LeaderId > 0 && p.LeaderId == seen[0].LeaderId))
            {
                return (seen[0].LeaderId, seen[0].LeaderEpoch);
            }

            if (wait.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new InvalidOperationException($"The ISR did not fill again within 120 s: {string.Join("; ", seen.Select(p => $"leader {p.LeaderId} isr [{string.Join(',', p.IsrNodes)}]"))}\n"
                    + string.Join("\n", brokers.Select(b => b?.LastLines())));
            }
        }
    }

    private static async Task<(long At, int Leader)> WaitForNewLeaderAsync(WireClient survivor, int killed, TimeSpan timeout)
    {
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(5))
        {
            var metadata = await survivor.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = Topic }] }, 12);
            var partition = metadata.Topics[0].Partitions.Single(p => p.PartitionIndex == 0);
            if (partition.LeaderId > 0 && partition.LeaderId != killed)
            {
                return (Stopwatch.GetTimestamp(), partition.LeaderId);
            }

            if (wait.Elapsed > timeout)
            {
                throw new InvalidOperationException($"No new leader within {timeout.TotalSeconds} s.");
            }
        }
    }

    /// <summary>
    /// When the new leader first accepts an acks=all produce over the wire, without any client logic: what the
    /// cluster allows, against which the producer's recovery is measured.
    /// </summary>
    private static async Task<long> FirstRawWriteAsync(int port)
    {
        using var builder = new Platform.Protocol.RecordFormat.RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, new byte[100]);
        var batch = builder.BuildToArray();
        await using var client = await WireClient.ConnectAsync(port);
        for (var wait = Stopwatch.StartNew(); ; await Task.Delay(5))
        {
            try
            {
                await client.ProduceAsync(Topic, 0, batch, acks: -1);
                return Stopwatch.GetTimestamp();
            }
            catch (InvalidOperationException) when (wait.Elapsed < TimeSpan.FromSeconds(60))
            {
                // NOT_LEADER_OR_FOLLOWER until it hears of its election, NOT_ENOUGH_REPLICAS until the ISR is recorded.
            }
        }
    }

    /// <summary>Partitions whose ISR is smaller than their replicas, as the survivor describes them.</summary>
    private static async Task<int> UnderReplicatedAsync(WireClient survivor)
    {
        var described = await survivor.SendAsync<DescribeTopicPartitionsResponse>(new DescribeTopicPartitionsRequest { Topics = [new() { Name = Topic }] }, 0);
        return described.Topics.Sum(t => t.Partitions.Count(p => p.IsrNodes.Count < p.ReplicaNodes.Count));
    }

    private static async Task ProduceAsync(string bootstrap, Writes writes, CancellationToken cancellationToken)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, LingerMs = 0, EnableIdempotence = true };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var value = new byte[100];
        var partition = new TopicPartition(Topic, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                await producer.ProduceAsync(partition, new Message<Null, byte[]> { Value = value }, cancellationToken);
                writes.Acknowledged(sent, Stopwatch.GetTimestamp());
            }
            catch (ProduceException<Null, byte[]>)
            {
                writes.Failed();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The producer's acknowledged writes, by send and acknowledgement time (Stopwatch timestamps).</summary>
    private sealed class Writes
    {
        private readonly Lock _lock = new();
        private readonly List<(long Sent, long Acked)> _recent = [];
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Count { get; private set; }

        public long Failures { get; private set; }

        public void Acknowledged(long sent, long acked)
        {
            TaskCompletionSource next;
            lock (_lock)
            {
                Count++;
                _recent.Add((sent, acked));
                if (_recent.Count > 100_000)
                {
                    _recent.RemoveRange(0, 50_000);
                }

                next = _next;
                _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            next.TrySetResult();
        }

        public void Failed()
        {
            lock (_lock)
            {
                Failures++;
            }
        }

        public async Task WaitForNextAsync(TimeSpan timeout)
        {
            Task next;
            lock (_lock)
            {
                next = _next.Task;
            }

            await next.WaitAsync(timeout);
        }

        /// <summary>
        /// When the first write sent after <paramref name="since"/> was acknowledged: a record in flight at the kill
        /// may have reached the dying leader, so only one sent after it surely went to the new one.
        /// </summary>
        public async Task<long> FirstSentAfterAsync(long since, TimeSpan timeout)
        {
            for (var wait = Stopwatch.StartNew(); ; await Task.Delay(5))
            {
                lock (_lock)
                {
                    var index = _recent.FindIndex(w => w.Sent >= since);
                    if (index >= 0)
                    {
                        return _recent[index].Acked;
                    }
                }

                if (wait.Elapsed > timeout)
                {
                    throw new InvalidOperationException($"No acks=all write succeeded within {timeout.TotalSeconds} s of the kill.");
                }
            }
        }
    }
}
