using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// Exactly-once copies (read_committed consumer, transactional producer, offsets sent to the transaction)
/// across a cluster of three broker processes on a real etcd, while the brokers coordinating the copier's
/// transactions and its consumer group are SIGKILLed: afterwards the output read with read_committed holds
/// every input record exactly once, in order per partition. The copier is ours, or kafkajs's.
/// </summary>
public sealed class ExactlyOnceFailoverTests : IAsyncLifetime
{
    private const string Input = "eos-in";
    private const string Output = "eos-out";
    private const string Group = "eos-copy";
    private const string TransactionalId = "eos-copier";
    private const int Partitions = 3;
    private const int PerPartition = 400;
    private const int KafkaJsPerPartition = 1500;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartAsync(ProcessCluster.FailoverProperties);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ExactlyOnceCopy_TransactionAndGroupCoordinatorsKilled_OutputHoldsEachInputOnceInOrder()
    {
        await ProduceInputAsync(Input, Output, PerPartition);
        using var copier = new Copier(_cluster.BootstrapServers, pauseAt: [PerPartition, 2 * PerPartition]);
        var copying = Task.Run(() => copier.Run(Partitions * PerPartition));

        // A third of the way, with a transaction open (records written, offsets not yet sent): SIGKILL its coordinator.
        await copier.WaitPausedAsync(Timeout);
        var transactionCoordinator = await _cluster.CoordinatorAsync(TransactionalId, keyType: 1);
        await _cluster.Broker(transactionCoordinator).KillAsync();
        copier.Resume();

        // Two thirds of the way, with the killed broker back and the transaction's offsets staged at the group's
        // coordinator (TxnOffsetCommit done, EndTxn not yet): SIGKILL the group's coordinator.
        await copier.WaitPausedAsync(Timeout);
        Assert.NotEqual(transactionCoordinator, await _cluster.CoordinatorAsync(TransactionalId, keyType: 1));
        await _cluster.StartBrokerAsync(transactionCoordinator);
        var groupCoordinator = await _cluster.CoordinatorAsync(Group, keyType: 0);
        await _cluster.Broker(groupCoordinator).KillAsync();
        copier.Resume();
        await copying.WaitAsync(TimeSpan.FromMinutes(3));

        AssertCopiedOnceInOrder(Output, PerPartition, prefix: "");
    }

    [Fact]
    public async Task KafkaJsCopier_TransactionCoordinatorSigkilled_OutputHoldsEachInputOnceInOrder()
    {
        const string input = "kjs-in", output = "kjs-out", transactionalId = "kjs-copier";
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run npm ci in tests/interop.");
        await ProduceInputAsync(input, output, KafkaJsPerPartition);

        // The copier exits on any error (tests/interop/kafkajs-eos-copier.js); a new incarnation fences the old one and goes on.
        string[] arguments = [_cluster.BootstrapServers, input, output, "kjs-group", transactionalId];
        var committed = new ConcurrentDictionary<int, long>();
        var copier = KafkaJsCopier.Start(interop, arguments, committed);
        var killed = false;
        var restarts = 0;
        var elapsed = Stopwatch.StartNew();
        try
        {
            while (committed.Count < Partitions || committed.Values.Sum() < Partitions * KafkaJsPerPartition)
            {
                Assert.True(elapsed.Elapsed < TimeSpan.FromMinutes(3), $"copy stuck at {committed.Values.Sum()} after {restarts} copier restarts: {copier.Tail}");
                if (copier.HasExited)
                {
                    restarts++;
                    copier.Dispose();
                    copier = KafkaJsCopier.Start(interop, arguments, committed);
                }

                // Once a transaction has committed, as the next one opens: SIGKILL its coordinator. (Waiting for a third of
                // the records was too late once: the copy ran from below a third to its end between two looks of this
                // loop, on a loaded machine, and the coordinator was never killed.)
                if (!killed && committed.Values.Sum() > 0)
                {
                    var coordinator = await _cluster.CoordinatorAsync(transactionalId, keyType: 1);
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
        AssertCopiedOnceInOrder(output, KafkaJsPerPartition, prefix: "copy:");
    }

    /// <summary>Creates the input and output topics (RF 3, min.insync.replicas 2) and writes "partition-i" records to every input partition.</summary>
    private async Task ProduceInputAsync(string input, string output, int perPartition)
    {
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            var configs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" };
            await admin.CreateTopicsAsync([.. new[] { input, output }.Select(name => new TopicSpecification { Name = name, NumPartitions = Partitions, ReplicationFactor = 3, Configs = configs })]);
        }

        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = 5 }).Build();
        var sends = new List<Task>();
        for (var i = 0; i < perPartition; i++)
        {
            for (var partition = 0; partition < Partitions; partition++)
            {
                sends.Add(producer.ProduceAsync(new TopicPartition(input, partition), new Message<string?, string> { Key = null, Value = $"{partition}-{i}" }));
            }
        }

        await Task.WhenAll(sends);
    }

    /// <summary>Reads the output with read_committed: each partition must hold its input's records, prefixed, once and in order.</summary>
    private void AssertCopiedOnceInOrder(string output, int perPartition, string prefix)
    {
        using var consumer = new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(output, p, Offset.Beginning)));
        var values = Enumerable.Range(0, Partitions).Select(_ => new List<string>()).ToArray();
        var deadline = DateTime.UtcNow + Timeout;
        var quietUntil = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < deadline && (values.Sum(v => v.Count) < Partitions * perPartition || DateTime.UtcNow < quietUntil))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message } result)
            {
                values[result.Partition].Add(message.Value);
                quietUntil = DateTime.UtcNow.AddSeconds(1);
            }
        }

        for (var partition = 0; partition < Partitions; partition++)
        {
            Assert.Equal(Enumerable.Range(0, perPartition).Select(i => $"{prefix}{partition}-{i}"), values[partition]);
        }
    }

    /// <summary>
    /// The classic consume-transform-produce loop: a batch read (read_committed), written to the same
    /// partition of the output in one transaction with the consumed offsets; an abortable failure aborts
    /// and rewinds to the last committed positions.
    /// </summary>
    private sealed class Copier(string bootstrapServers, int[] pauseAt) : IDisposable
    {
        private readonly Queue<int> _pauseAt = new(pauseAt);
        private readonly SemaphoreSlim _paused = new(0);
        private readonly SemaphoreSlim _resume = new(0);

        private readonly IConsumer<string?, string> _consumer = new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = Group,
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 10_000,
        }).Build();

        private readonly IProducer<string?, string> _producer = new ProducerBuilder<string?, string>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            TransactionalId = TransactionalId,
            LingerMs = 5,
        }).Build();

        private readonly Dictionary<int, long> _committed = [];
        private int _copied;

        public int Copied => Volatile.Read(ref _copied);

        /// <summary>Waits until the copier holds a transaction open at the next pause point.</summary>
        public async Task WaitPausedAsync(TimeSpan timeout) => Assert.True(await _paused.WaitAsync(timeout), "the copier did not reach its pause point");

        public void Resume() => _resume.Release();

        public void Run(int total)
        {
            _producer.InitTransactions(Timeout);
            _consumer.Subscribe(Input);
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (Copied < total)
            {
                Assert.True(DateTime.UtcNow < deadline, $"copied {Copied} of {total} records in time");
                var batch = _consumer.ConsumeBatch(TimeSpan.FromMilliseconds(200), maxRecords: 50);
                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    _producer.BeginTransaction();
                    foreach (var record in batch)
                    {
                        _producer.Produce(new TopicPartition(Output, record.Partition), new Message<string?, string> { Key = null, Value = record.Message!.Value });
                    }

                    PauseIfDue(beforeOffsets: true);
                    var offsets = batch.GroupBy(r => r.Partition).Select(g => new TopicPartitionOffset(Input, g.Key, g.Max(r => r.Offset.Value) + 1)).ToList();
                    _producer.SendOffsetsToTransaction(offsets, _consumer.ConsumerGroupMetadata!, Timeout);
                    PauseIfDue(beforeOffsets: false);
                    Commit();
                    foreach (var offset in offsets)
                    {
                        _committed[offset.Partition] = offset.Offset.Value;
                    }

                    Interlocked.Add(ref _copied, batch.Count);
                }
                catch (KafkaException e) when (e is KafkaTxnRequiresAbortException || (e.Error.IsRetriable && !e.Error.IsFatal))
                {
                    _producer.AbortTransaction(Timeout);
                    foreach (var partition in batch.Select(r => r.Partition).Distinct())
                    {
                        _consumer.Seek(new TopicPartitionOffset(Input, partition, _committed.GetValueOrDefault(partition)));
                    }
                }
            }
        }

        /// <summary>The first pause comes before the transaction's offsets are sent, the later ones after.</summary>
        private void PauseIfDue(bool beforeOffsets)
        {
            if (_pauseAt.TryPeek(out var pause) && Copied >= pause && beforeOffsets == (_pauseAt.Count == pauseAt.Length))
            {
                _pauseAt.Dequeue();
                _paused.Release();
                _resume.Wait();
            }
        }

        /// <summary>A commit that timed out may have been decided: it is called again, as the producer's contract says, not aborted.</summary>
        private void Commit()
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    _producer.CommitTransaction(Timeout);
                    return;
                }
                catch (KafkaException e) when (e is not KafkaTxnRequiresAbortException && e.Error.IsRetriable && attempt < 5)
                {
                    // Again.
                }
            }
        }

        public void Dispose()
        {
            _producer.Dispose();
            _consumer.Dispose();
            _paused.Dispose();
            _resume.Dispose();
        }
    }
}
