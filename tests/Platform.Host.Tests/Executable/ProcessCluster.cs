using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Three real <c>platform broker</c> processes (node ids 1-3) on a real etcd (one member unless asked for more),
/// each with its data in <see cref="Dir"/>/broker-N. A broker started again keeps its port, so clients' bootstrap
/// lists stay valid. The helpers read partitions back through their leaders and compare the replicas' files.
/// </summary>
internal sealed partial class ProcessCluster : IAsyncDisposable
{
    private readonly BrokerProcess?[] _brokers = new BrokerProcess?[3];
    private readonly int[] _ports = new int[3];
    private readonly string _config;

    private ProcessCluster(EtcdCluster etcd, string dir, string config)
    {
        Etcd = etcd;
        Dir = dir;
        _config = config;
    }

    /// <summary>
    /// Settings for the failover tests: replicated topics with min.insync.replicas 2, the coordinators' topics too,
    /// a short broker session so a killed broker's leaderships move within seconds, groups that form at once.
    /// </summary>
    public static string FailoverProperties => string.Join('\n',
        "broker.session.timeout.ms=2000",
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "offsets.topic.replication.factor=3",
        "offsets.topic.num.partitions=3",
        "transaction.state.log.replication.factor=3",
        "transaction.state.log.num.partitions=3",
        "transaction.state.log.min.isr=2",
        "group.initial.rebalance.delay.ms=0",
        "group.min.session.timeout.ms=1000",
        "");

    public string Dir { get; }

    /// <summary>The etcd members, for tests that kill one.</summary>
    public EtcdCluster Etcd { get; }

    /// <summary>Every broker's address, for clients that should survive any one of them.</summary>
    public string BootstrapServers => string.Join(',', _ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>
    /// Starts <paramref name="etcdMembers"/> etcd members and the three brokers with <paramref name="properties"/> as
    /// their config file (plus <paramref name="brokerProperties"/>(id) for one broker's own lines, e.g. broker.rack),
    /// and waits until each sees the others and a controller.
    /// </summary>
    public static async Task<ProcessCluster> StartAsync(string properties, int etcdMembers = 1, Func<int, string>? brokerProperties = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "platform-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "broker-{0}.properties");
        foreach (var id in Enumerable.Range(1, 3))
        {
            await File.WriteAllTextAsync(string.Format(CultureInfo.InvariantCulture, config, id), properties + "\n" + brokerProperties?.Invoke(id) + "\n");
        }

        var cluster = new ProcessCluster(await EtcdCluster.StartAsync(etcdMembers), dir, config);
        try
        {
            await Task.WhenAll(Enumerable.Range(1, 3).Select(cluster.StartBrokerAsync));
            foreach (var id in Enumerable.Range(1, 3))
            {
                Assert.True(await Wire.EventuallyAsync(
                    async () => await cluster.MetadataAsync(id, null) is { Brokers.Count: 3, ControllerId: not -1 },
                    TimeSpan.FromSeconds(20)), $"broker {id} did not see the cluster");
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public BrokerProcess Broker(int id) => _brokers[id - 1]!;

    /// <summary>Starts broker <paramref name="id"/> (again, after a kill, on the port it had).</summary>
    public async Task StartBrokerAsync(int id)
    {
        _brokers[id - 1] = await BrokerProcess.StartAsync(
            Path.Combine(Dir, $"broker-{id}"),
            ["--node-id", id.ToString(CultureInfo.InvariantCulture), "--etcd", string.Join(',', Etcd.Endpoints), "--config", string.Format(CultureInfo.InvariantCulture, _config, id)],
            listen: $"127.0.0.1:{_ports[id - 1]}");
        _ports[id - 1] = _brokers[id - 1]!.Port;
    }

    public bool IsRunning(int id) => _brokers[id - 1] is { HasExited: false };

    /// <summary>The brokers' output lines that <paramref name="match"/>, the last <paramref name="max"/>, each after its broker's id: for a failed test's message.</summary>
    public string OutputLines(Func<string, bool> match, int max = 60)
        => string.Join('\n', Enumerable.Range(1, 3)
            .SelectMany(id => _brokers[id - 1]?.Output.Where(match).Select(line => $"broker {id}: {line}") ?? [])
            .TakeLast(max));

    public async Task<MetadataResponse> MetadataAsync(int broker, string? topic)
    {
        await using var connection = await RawConnection.ConnectAsync(_ports[broker - 1]);
        var request = new MetadataRequest { Topics = topic is null ? [] : [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = false };
        return await connection.SendAsync<MetadataResponse>(request, 12);
    }

    /// <summary>The node FindCoordinator names for <paramref name="key"/> (key type 0 a group, 1 a transactional id), asked of any live broker.</summary>
    public async Task<int> CoordinatorAsync(string key, sbyte keyType)
    {
        var node = -1;
        Assert.True(await Wire.EventuallyAsync(
            async () =>
            {
                foreach (var id in Enumerable.Range(1, 3).Where(IsRunning))
                {
                    await using var connection = await RawConnection.ConnectAsync(Broker(id).Port);
                    var response = await connection.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = key, KeyType = keyType }, 3);
                    if (response.ErrorCode == 0)
                    {
                        node = response.NodeId;
                        return true;
                    }
                }

                return false;
            },
            TimeSpan.FromSeconds(60)), $"no coordinator for {key}");
        return node;
    }

    /// <summary>Sends <paramref name="signal"/> (STOP, CONT) to broker <paramref name="broker"/>'s process.</summary>
    public void Signal(int broker, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Broker(broker).ProcessId.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Runs a <c>platform</c> command (a CLI verb) to its end.</summary>
    public static async Task<(int Code, IReadOnlyList<string> Output)> RunCliAsync(params string[] arguments)
    {
        await using var cli = BrokerProcess.Launch(arguments);
        var code = await cli.WaitForExitAsync();
        return (code, cli.Output);
    }

    /// <summary>Creates a topic through broker 1 and waits until every broker sees all its replicas in sync.</summary>
    public async Task CreateTopicAsync(string topic, int partitions, short replicationFactor, params (string Key, string Value)[] configs)
    {
        await using var connection = await RawConnection.ConnectAsync(Broker(1).Port);
        var request = Wire.CreateTopicRequest(topic, partitions, replicationFactor);
        request.Topics[0].Configs.AddRange(configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value }));
        var created = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
        Assert.True(created.ErrorCode == 0, $"CreateTopics {topic}: {(ErrorCode)created.ErrorCode} {created.ErrorMessage}");
        await WaitForFullIsrAsync(topic, partitions);
    }

    /// <summary>Waits until every running broker sees every partition led, with all its replicas in sync.</summary>
    public async Task WaitForFullIsrAsync(string topic, int partitions)
    {
        foreach (var id in Enumerable.Range(1, 3).Where(IsRunning))
        {
            Assert.True(await Wire.EventuallyAsync(
                async () => await MetadataAsync(id, topic) is { Topics: [{ ErrorCode: 0 } t] }
                    && t.Partitions.Count == partitions && t.Partitions.TrueForAll(p => p.LeaderId > 0 && p.IsrNodes.Count == p.ReplicaNodes.Count),
                TimeSpan.FromSeconds(60)), $"broker {id} does not see {topic} fully in sync");
        }
    }

    /// <summary>The partition's leader as a live broker sees it, or -1.</summary>
    public async Task<int> LeaderAsync(string topic, int partition)
    {
        foreach (var id in Enumerable.Range(1, 3).Where(IsRunning))
        {
            try
            {
                return (await PartitionAsync(id, topic, partition)).LeaderId;
            }
            catch (IOException)
            {
            }
        }

        return -1;
    }

    public async Task<MetadataResponse.MetadataResponsePartition> PartitionAsync(int broker, string topic, int partition)
        => (await MetadataAsync(broker, topic)).Topics[0].Partitions.Single(p => p.PartitionIndex == partition);

    /// <summary>Every record value of the partition up to its high watermark, read from its leader.</summary>
    public async Task<List<string>> ReadPartitionAsync(string topic, int partition)
    {
        var leader = await LeaderAsync(topic, partition);
        var highWatermark = await HighWatermarkAsync(leader, topic, partition);
        var records = await PartitionReader.ReadAllAsync($"127.0.0.1:{Broker(leader).Port}", topic, partition, (int)highWatermark, TimeSpan.FromSeconds(30));
        Assert.Equal(highWatermark, records.Count);
        return [.. records.Select(r => r.Value!)];
    }

    public async Task<long> HighWatermarkAsync(int broker, string topic, int partition)
    {
        await using var connection = await RawConnection.ConnectAsync(Broker(broker).Port);
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = partition, Timestamp = -1 }] }],
        };
        var answer = (await connection.SendAsync<ListOffsetsResponse>(request, 7)).Topics[0].Partitions[0];
        Assert.Equal(0, answer.ErrorCode);
        return answer.Offset;
    }

    /// <summary>
    /// The replicas' log files (of the partition's replicas as the leader's metadata has them) hold the same batches,
    /// byte for byte, up to the high watermark (followers may need a moment).
    /// </summary>
    public async Task AssertReplicasIdenticalAsync(string topic, int partition)
    {
        var leader = await LeaderAsync(topic, partition);
        var replicaIds = (await PartitionAsync(leader, topic, partition)).ReplicaNodes;
        var highWatermark = await HighWatermarkAsync(leader, topic, partition);
        List<byte[]>[] replicas = [];
        var identical = await Wire.EventuallyAsync(
            () =>
            {
                replicas = [.. replicaIds.Select(id => StoredBatches(Path.Combine(Dir, $"broker-{id}", $"{topic}-{partition}"), highWatermark))];
                return Task.FromResult(replicas.All(r => r.Count > 0 && r.Count == replicas[0].Count && r.Zip(replicas[0]).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second))));
            },
            TimeSpan.FromSeconds(30));
        Assert.True(identical, $"replicas {string.Join(',', replicaIds)} of {topic}-{partition} differ below the high watermark {highWatermark}: {string.Join(", ", replicas.Select(r => $"{r.Count} batches"))}");
    }

    /// <summary>
    /// Starts tests/interop/kafkajs-chaos-produce.js: <paramref name="count"/> numbered records, acks=all and idempotent,
    /// <paramref name="perSend"/> to one partition per send in turn, <paramref name="pauseMs"/> between sends.
    /// </summary>
    public Task<ExternalProcess.Result> StartKafkaJsProducer(string topic, int partitions, int count, int perSend, int pauseMs)
        => ExternalProcess.RunAsync(
            "node", ["kafkajs-chaos-produce.js", BootstrapServers, topic, $"{partitions}", $"{count}", $"{perSend}", $"{pauseMs}"],
            workingDirectory: Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop"), timeout: TimeSpan.FromMinutes(5));

    /// <summary>The records the kafkajs producer saw acknowledged (its "ack partition value" lines); fails the test if it failed.</summary>
    public static List<(int Partition, int Value)> Acknowledged(ExternalProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        return [.. result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Where(fields => fields[0] == "ack")
            .Select(fields => (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture)))];
    }

    /// <summary>The sends the kafkajs producer gave up on (its "fail value error" lines), summed up for a test's message.</summary>
    public static string Failures(ExternalProcess.Result result)
    {
        var failed = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', 3)).Where(fields => fields[0] == "fail").ToList();
        return failed.Count == 0
            ? "no send failed"
            : $"{failed.Count} records failed, first {failed[0][1]}, with {string.Join(", ", failed.GroupBy(f => f.Length > 2 ? f[2] : "?").Select(g => $"{g.Key} ({g.Count()})"))}";
    }

    /// <summary>
    /// Every partition holds each value at most once (idempotence), in the order sent, every acknowledged one among
    /// them, and its replicas are identical below the high watermark.
    /// </summary>
    public async Task AssertAcknowledgedOnceInOrderAsync(string topic, int partitions, IReadOnlyList<(int Partition, int Value)> acknowledged)
    {
        await WaitForFullIsrAsync(topic, partitions);
        for (var partition = 0; partition < partitions; partition++)
        {
            var values = (await ReadPartitionAsync(topic, partition)).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(values.Count, values.Distinct().Count());
            Assert.Equal(values.Order(), values);
            var missing = acknowledged.Where(a => a.Partition == partition).Select(a => a.Value).Except(values).ToList();
            Assert.True(missing.Count == 0, $"partition {partition} lost {missing.Count} acknowledged records, first {string.Join(',', missing.Take(10))}");
            await AssertReplicasIdenticalAsync(topic, partition);
        }
    }

    /// <summary>Grows <paramref name="topic"/> to <paramref name="total"/> partitions with <c>platform topics alter</c> and returns kcat's view once all are in sync.</summary>
    public async Task<SortedDictionary<int, (int Leader, int[] Replicas, int[] Isr)>> AddPartitionsAsync(string topic, int total)
    {
        var (code, output) = await RunCliAsync("topics", "alter", "--bootstrap-server", BootstrapServers, "--topic", topic, "--partitions", $"{total}");
        Assert.True(code == 0, string.Join('\n', output));
        await WaitForFullIsrAsync(topic, total);
        var shown = await KcatPartitionsAsync(topic);
        Assert.True(shown.Count == total, Layout(shown));
        return shown;
    }

    /// <summary>"partition:[replicas]" for each partition, for failure messages.</summary>
    public static string Layout(SortedDictionary<int, (int Leader, int[] Replicas, int[] Isr)> partitions)
        => string.Join(' ', partitions.Select(p => $"{p.Key}:[{string.Join(',', p.Value.Replicas)}]"));

    /// <summary>Each partition of <paramref name="topic"/> as kcat -L (librdkafka's metadata) shows it: leader, replicas, ISR.</summary>
    public async Task<SortedDictionary<int, (int Leader, int[] Replicas, int[] Isr)>> KcatPartitionsAsync(string topic)
    {
        var result = await Kcat.RunAsync(BootstrapServers, null, "-L", "-t", topic);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var partitions = new SortedDictionary<int, (int, int[], int[])>();
        foreach (Match m in KcatPartitionLine().Matches(result.StdOut))
        {
            static int[] Ids(Group g) => [.. g.Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture))];
            partitions[int.Parse(m.Groups["partition"].Value, CultureInfo.InvariantCulture)]
                = (int.Parse(m.Groups["leader"].Value, CultureInfo.InvariantCulture), Ids(m.Groups["replicas"]), Ids(m.Groups["isr"]));
        }

        return partitions;
    }

    /// <summary>The whole batches in a partition directory's segment files that end below <paramref name="highWatermark"/>.</summary>
    private static List<byte[]> StoredBatches(string directory, long highWatermark)
    {
        var batches = new List<byte[]>();
        foreach (var segment in Directory.GetFiles(directory, "*.log").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(segment);
            var position = 0;
            foreach (var batch in new RecordBatchEnumerator(bytes))
            {
                var stored = bytes.AsSpan(position, batch.Length);
                position += batch.Length;
                if (RecordBatchHeader.LastOffset(stored) < highWatermark)
                {
                    batches.Add(stored.ToArray());
                }
            }
        }

        return batches;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }

        await Etcd.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    [GeneratedRegex(@"partition (?<partition>\d+), leader (?<leader>-?\d+), replicas: (?<replicas>[\d,]*), isrs: (?<isr>[\d,]*)")]
    private static partial Regex KcatPartitionLine();
}
