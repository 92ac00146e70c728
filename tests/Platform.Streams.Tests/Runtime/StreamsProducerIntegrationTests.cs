using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Runtime;

namespace Platform.Streams.Tests.Runtime;

/// <summary>
/// The stream thread's producer hands its stages to an appender thread: the records still reach their partition in
/// the order sent, and a producer the appender finds fenced still surfaces on the stream thread as a lost task.
/// </summary>
public sealed class StreamsProducerIntegrationTests : IAsyncLifetime
{
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SendStaged_ManyStagesToOnePartition_EveryRecordIsWrittenInTheOrderSent()
    {
        const int Records = 20_000;
        await _cluster.CreateTopicAsync("staged-order", 1);
        using (var producer = NewProducer())
        {
            var collector = NewCollector(producer);
            for (var i = 0; i < Records; i++)
            {
                Send(collector, "staged-order", i);

                // As the stream thread does at the end of each turn of its loop: stages of all sizes.
                if (i % 337 == 0)
                {
                    producer.SendStaged();
                }
            }

            collector.Flush();
        }

        var values = ReadValues("staged-order", Records);
        Assert.Equal(Enumerable.Range(0, Records), values);
    }

    [Fact]
    public async Task ExactlyOnce_ProducerFencedWhileTheAppenderAppends_NextSendRaisesTaskMigrated()
    {
        await _cluster.CreateTopicAsync("staged-fenced", 1);
        const string TransactionalId = "staged-fenced-producer";
        using var producer = NewProducer(("transactional.id", TransactionalId), ("enable.idempotence", "true"));
        var collector = NewCollector(producer);
        Send(collector, "staged-fenced", 0);
        producer.CompleteCommit(producer.BeginCommit([], null, null)!);

        // Another producer with the same transactional id: ours is a zombie, as a thread whose tasks moved elsewhere.
        using (var usurper = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, TransactionalId = TransactionalId }).Build())
        {
            usurper.InitTransactions(TimeSpan.FromSeconds(30));
        }

        // The appender appends until the producer hears of the fence (its first send of the new transaction); the
        // stage after that is refused, and the stream thread's next hand-over or wait raises it.
        TaskMigratedException? migrated = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var i = 1; migrated is null && DateTime.UtcNow < deadline; i++)
        {
            try
            {
                producer.Send("staged-fenced", 0, [], true, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), false, null, 0, collector);
                producer.SendStagedAndWait();
                Thread.Sleep(20);
            }
            catch (TaskMigratedException ex)
            {
                migrated = ex;
            }
        }

        Assert.NotNull(migrated);
        Assert.Contains("another instance took over", migrated.Message);

        // The thread aborts next, as it does before it replaces the producer: the fence is no error there.
        producer.AbortTransaction();
    }

    [Fact]
    public async Task ExactlyOnce_RecordsSentWhileACommitRuns_BelongToTheNextTransaction()
    {
        await _cluster.CreateTopicAsync("staged-pipelined", 1);
        using var producer = NewProducer(("transactional.id", "staged-pipelined-producer"), ("enable.idempotence", "true"));
        var collector = NewCollector(producer);
        using var reader = ReadCommitted("staged-pipelined");
        for (var i = 0; i < 1000; i++)
        {
            Send(collector, "staged-pipelined", i);
        }

        // The commit runs on the appender's thread; the thread goes on sending (the next transaction's records).
        var first = producer.BeginCommit([], null, null)!;
        for (var i = 1000; i < 1500; i++)
        {
            Send(collector, "staged-pipelined", i);
        }

        producer.SendStaged();
        producer.CompleteCommit(first);
        Assert.Equal(Enumerable.Range(0, 1000), ReadValues(reader, 1000));
        Assert.Empty(ReadValues(reader, 1, TimeSpan.FromMilliseconds(500)));

        producer.CompleteCommit(producer.BeginCommit([], null, null)!);
        Assert.Equal(Enumerable.Range(1000, 500), ReadValues(reader, 500));
    }

    [Fact]
    public async Task ExactlyOnce_CommitFails_LaterStagesRefusedUntilTheAbortAndNothingOfItIsVisible()
    {
        await _cluster.CreateTopicAsync("staged-failed-commit", 1);
        using var producer = NewProducer(("transactional.id", "staged-failed-commit-producer"), ("enable.idempotence", "true"));
        var collector = NewCollector(producer);
        using var reader = ReadCommitted("staged-failed-commit");
        Send(collector, "staged-failed-commit", 0);

        // A record refused one by one (the check a task manager gives): the transaction must not commit.
        var failing = producer.BeginCommit([], null, () => throw new InvalidOperationException("a record was refused"))!;
        Send(collector, "staged-failed-commit", 1);
        producer.SendStaged();
        Assert.Equal("a record was refused", Assert.Throws<InvalidOperationException>(() => producer.CompleteCommit(failing)).Message);

        // The next transaction's records are refused too until the thread aborts (as it does when it closes its tasks).
        Assert.Throws<InvalidOperationException>(() =>
        {
            Send(collector, "staged-failed-commit", 2);
            producer.SendStaged();
        });
        producer.AbortTransaction();

        // The tasks start again with collectors of their own (the old one heard its records were aborted).
        collector = NewCollector(producer);
        Send(collector, "staged-failed-commit", 3);
        producer.CompleteCommit(producer.BeginCommit([], null, null)!);
        Assert.Equal([3], ReadValues(reader, 1));
        Assert.Empty(ReadValues(reader, 1, TimeSpan.FromMilliseconds(500)));
    }

    private StreamsProducer NewProducer(params (string Key, string Value)[] extra)
        => new([new("bootstrap.servers", _cluster.BootstrapServers), new("client.id", "staged-test"), new("linger.ms", "5"), .. extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value))]);

    private static RecordCollector NewCollector(StreamsProducer producer)
        => new(producer, new TaskId(0, 0), [], new DefaultProductionExceptionHandler(), _ => 1, NullLogger.Instance);

    private static void Send(RecordCollector collector, string topic, int value)
    {
        var bytes = Encoding.UTF8.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        collector.Send(topic, [], true, bytes, false, null, 0, 0);
    }

    /// <summary>A read_committed consumer of partition 0 of <paramref name="topic"/> from its beginning.</summary>
    private IConsumer<byte[]?, string> ReadCommitted(string topic)
    {
        var consumer = new ConsumerBuilder<byte[]?, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "staged-read-" + Guid.NewGuid().ToString("N"),
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        return consumer;
    }

    /// <summary>Up to <paramref name="count"/> values <paramref name="consumer"/> reads within <paramref name="wait"/> (30 s).</summary>
    private static List<int> ReadValues(IConsumer<byte[]?, string> consumer, int count, TimeSpan? wait = null)
    {
        var values = new List<int>();
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(30));
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message })
            {
                values.Add(int.Parse(message.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return values;
    }

    private List<int> ReadValues(string topic, int count)
    {
        using var consumer = ReadCommitted(topic);
        return ReadValues(consumer, count);
    }
}
