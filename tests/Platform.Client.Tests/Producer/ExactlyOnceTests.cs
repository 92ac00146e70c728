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
    private static readonly TimeSpan Timeout = ExactlyOnceHarness.Timeout;

    [Fact]
    public async Task ConsumeTransformProduce_ClientKillsAndBrokerRestarts_OutputHoldsEachInputExactlyOnce()
    {
        await using var harness = await ExactlyOnceHarness.StartAsync("platform-eos");
        var random = new Random(ExactlyOnceHarness.Seed(20240605));
        var kills = 0;
        var restarts = 0;
        await harness.CreateTopicsAsync(Partitions, "eos-in", "eos-out");
        harness.ProduceNumbered("eos-in", Records, Partitions);

        var done = false;
        for (var incarnation = 0; !done && incarnation < 200; incarnation++)
        {
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = harness.Bootstrap,
                TransactionalId = "eos-copier",
                LingerMs = 2,
                RetryBackoffMs = 50,
            }).Build();
            using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
            {
                BootstrapServers = harness.Bootstrap,
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
                        await harness.RestartBrokerAsync();
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
        var copies = await harness.ReadCommittedAsync("eos-out", Partitions, Records);
        ExactlyOnceHarness.AssertExactlyOnce(copies, Records, $"{kills} kills, {restarts} restarts");
        Assert.True(kills > 0 && restarts > 0, $"{kills} kills, {restarts} restarts: the seed injected too few faults");
    }
}
