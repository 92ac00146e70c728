using System.Net;
using System.Net.Sockets;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Serialization;
using Xunit.Abstractions;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// Consume-transform-produce with offsets in the same transaction, while a seeded fault injector
/// abandons the processing client mid-transaction and restarts the broker: the output read with
/// read_committed holds every input exactly once.
/// </summary>
public sealed class ExactlyOnceTests(ITestOutputHelper output)
{
    private const int Records = 100_000;
    private const int Partitions = 2;
    private const int PerTransaction = 1_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ConsumeTransformProduce_ClientKillsAndBrokerRestarts_OutputHoldsEachInputExactlyOnce()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "platform-eos-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        void Configure(BrokerOptions o)
        {
            o.Listen = $"127.0.0.1:{port}";
            o.DataDir = dataDir;
            o.GroupInitialRebalanceDelayMs = 0;
        }

        var broker = await EmbeddedBroker.StartAsync(Configure);
        var bootstrap = broker.BootstrapServers;
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_EOS_SEED"), out var seed) ? seed : 20240605);
        var kills = 0;
        var restarts = 0;
        try
        {
            await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                await admin.CreateTopicsAsync(
                [
                    new TopicSpecification { Name = "eos-in", NumPartitions = Partitions, ReplicationFactor = 1 },
                    new TopicSpecification { Name = "eos-out", NumPartitions = Partitions, ReplicationFactor = 1 },
                ]);
            }

            using (var input = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build())
            {
                for (var i = 0; i < Records; i++)
                {
                    input.Produce(new TopicPartition("eos-in", i % Partitions), new Message<Null, string> { Value = i.ToString("D6") });
                }

                Assert.Equal(0, input.Flush(Timeout));
            }

            var done = false;
            for (var incarnation = 0; !done && incarnation < 200; incarnation++)
            {
                using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
                {
                    BootstrapServers = bootstrap,
                    TransactionalId = "eos-copier",
                    LingerMs = 2,
                    RetryBackoffMs = 50,
                }).Build();
                using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
                {
                    BootstrapServers = bootstrap,
                    GroupId = "eos-group",
                    IsolationLevel = IsolationLevel.ReadCommitted,
                    AutoOffsetReset = AutoOffsetReset.Earliest,
                    EnableAutoCommit = false,
                }).Build();
                try
                {
                    producer.InitTransactions(Timeout);
                    consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartition("eos-in", p)));
                    while (true)
                    {
                        producer.BeginTransaction();
                        var copied = 0;
                        var idle = 0;
                        while (copied < PerTransaction && idle < 3)
                        {
                            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                            if (result?.Message is not { } message)
                            {
                                idle++;
                                continue;
                            }

                            producer.Produce(new TopicPartition("eos-out", result.Partition), new Message<Null, string> { Value = message.Value });
                            copied++;
                        }

                        var fault = random.Next(100);
                        if (fault < 8)
                        {
                            // The client dies mid-transaction: nothing committed, the next incarnation fences it.
                            if (fault < 4)
                            {
                                producer.Flush(Timeout);
                            }

                            kills++;
                            break;
                        }

                        if (fault < 14 && restarts < 5)
                        {
                            await broker.StopAsync();
                            await broker.DisposeAsync();
                            broker = await EmbeddedBroker.StartAsync(Configure);
                            restarts++;
                        }

                        producer.SendConsumedOffsetsToTransaction(consumer, Timeout);
                        producer.CommitTransaction(Timeout);
                        var position = consumer.Assignment.Sum(tp => Math.Max(0, consumer.Position(tp).Value));
                        if (copied == 0 && position >= Records)
                        {
                            done = true;
                            break;
                        }
                    }
                }
                catch (KafkaException)
                {
                    // Any failure: start over from the last committed state, as a real processor would.
                    kills++;
                }
            }

            Assert.True(done, "the copy did not finish");
            output.WriteLine($"{kills} client kills, {restarts} broker restarts");
            var copies = await ReadCommittedAsync(bootstrap, "eos-out");
            var duplicates = copies.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
            Assert.True(duplicates.Count == 0, $"duplicates such as {string.Join(", ", duplicates)} ({kills} kills, {restarts} restarts)");
            Assert.Equal(Records, copies.Count);
            Assert.True(kills > 0 && restarts > 0, $"{kills} kills, {restarts} restarts: the seed injected too few faults");
        }
        finally
        {
            await broker.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<List<string>> ReadCommittedAsync(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>(Records);
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
