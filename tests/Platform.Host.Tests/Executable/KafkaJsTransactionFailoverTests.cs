using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// kafkajs's transactional copier (tests/interop/kafkajs-eos-copier.js: consume, produce, sendOffsets,
/// commit) on a cluster of three broker processes while the broker coordinating its transactions is
/// SIGKILLed with a transaction open. The copier exits on any error and is started again (its
/// InitProducerId fences the old incarnation); the output read with read_committed holds each input
/// record once, in order per partition.
/// </summary>
public sealed class KafkaJsTransactionFailoverTests : IAsyncLifetime
{
    private const string Input = "kjs-fo-in";
    private const string Output = "kjs-fo-out";
    private const string Group = "kjs-fo-group";
    private const string TransactionalId = "kjs-fo-copier";
    private const int Partitions = 3;
    private const int PerPartition = 1500;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
        => _cluster = await ProcessCluster.StartAsync(string.Join('\n',
            "broker.session.timeout.ms=2000",
            "default.replication.factor=3",
            "min.insync.replicas=2",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.num.partitions=3",
            "group.initial.rebalance.delay.ms=0",
            "group.min.session.timeout.ms=1000",
            ""));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task KafkaJsCopier_TransactionCoordinatorSigkilled_OutputHoldsEachInputOnceInOrder()
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run npm ci in tests/interop.");
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([.. new[] { Input, Output }.Select(name => new TopicSpecification { Name = name, NumPartitions = Partitions, ReplicationFactor = 3 })]);
        }

        using (var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, EnableIdempotence = true, LingerMs = 5 }).Build())
        {
            await Task.WhenAll(Enumerable.Range(0, PerPartition).SelectMany(i => Enumerable.Range(0, Partitions).Select(p =>
                producer.ProduceAsync(new TopicPartition(Input, p), new Message<string?, string> { Key = null, Value = $"{p}-{i}" }))));
        }

        var committed = new ConcurrentDictionary<int, long>();
        var copier = NodeCopier.Start(interop, _cluster.BootstrapServers, committed);
        var killed = false;
        var restarts = 0;
        var deadline = Stopwatch.StartNew();
        try
        {
            while (committed.Values.Sum() < Partitions * PerPartition || committed.Count < Partitions)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"copy stuck at {committed.Values.Sum()} after {restarts} copier restarts: {copier.Tail}");
                if (copier.HasExited)
                {
                    restarts++;
                    copier.Dispose();
                    copier = NodeCopier.Start(interop, _cluster.BootstrapServers, committed);
                }

                if (!killed && committed.Values.Sum() >= Partitions * PerPartition / 3)
                {
                    var coordinator = await TransactionCoordinatorAsync();
                    await copier.NextTransactionAsync(TimeSpan.FromSeconds(10));
                    await _cluster.Broker(coordinator).KillAsync();
                    killed = true;
                }

                await Task.Delay(100);
            }
        }
        finally
        {
            copier.Kill();
            copier.Dispose();
        }

        Assert.True(killed);
        using var consumer = new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Output, p, Offset.Beginning)));
        var copies = Enumerable.Range(0, Partitions).Select(_ => new List<string>()).ToArray();
        var quietUntil = DateTime.UtcNow.AddSeconds(2);
        var readDeadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < readDeadline && (copies.Sum(c => c.Count) < Partitions * PerPartition || DateTime.UtcNow < quietUntil))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message } result)
            {
                copies[result.Partition].Add(message.Value);
                quietUntil = DateTime.UtcNow.AddSeconds(1);
            }
        }

        for (var partition = 0; partition < Partitions; partition++)
        {
            Assert.Equal(Enumerable.Range(0, PerPartition).Select(i => $"copy:{partition}-{i}"), copies[partition]);
        }
    }

    private async Task<int> TransactionCoordinatorAsync()
    {
        await using var connection = await RawConnection.ConnectAsync(_cluster.Broker(Enumerable.Range(1, 3).First(_cluster.IsRunning)).Port);
        var response = await connection.SendAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { Key = TransactionalId, KeyType = 1 }, 3);
        Assert.Equal(0, response.ErrorCode);
        return response.NodeId;
    }

    /// <summary>One incarnation of the node copier; what every incarnation reported committed is kept per partition.</summary>
    private sealed class NodeCopier : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private TaskCompletionSource _begun = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly ConcurrentDictionary<int, long> _committed;

        private NodeCopier(Process process, ConcurrentDictionary<int, long> committed)
        {
            _process = process;
            _committed = committed;
        }

        public bool HasExited => _process.HasExited;

        public string Tail => string.Join(" | ", _lines.TakeLast(5));

        /// <summary>Starts an incarnation that records in <paramref name="committed"/> the next offset it committed for each input partition.</summary>
        public static NodeCopier Start(string interop, string bootstrap, ConcurrentDictionary<int, long> committed)
        {
            var start = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["kafkajs-eos-copier.js", bootstrap, Input, Output, Group, TransactionalId])
            {
                start.ArgumentList.Add(argument);
            }

            var copier = new NodeCopier(Process.Start(start) ?? throw new InvalidOperationException("could not start node"), committed);
            copier._process.OutputDataReceived += (_, e) => copier.Keep(e.Data);
            copier._process.ErrorDataReceived += (_, e) => copier.Keep(e.Data);
            copier._process.BeginOutputReadLine();
            copier._process.BeginErrorReadLine();
            return copier;
        }

        /// <summary>Waits until the copier opens its next transaction.</summary>
        public async Task NextTransactionAsync(TimeSpan timeout)
        {
            try
            {
                await Volatile.Read(ref _begun).Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                // Kill anyway.
            }
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        public void Dispose() => _process.Dispose();

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            _lines.Enqueue(line);
            var parts = line.Split(' ');
            if (parts is ["begin", _])
            {
                Volatile.Read(ref _begun).TrySetResult();
                Volatile.Write(ref _begun, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            else if (parts is ["committed", var partition, var next])
            {
                _committed.AddOrUpdate(int.Parse(partition, System.Globalization.CultureInfo.InvariantCulture), long.Parse(next, System.Globalization.CultureInfo.InvariantCulture), (_, old) => Math.Max(old, long.Parse(next, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }
}
