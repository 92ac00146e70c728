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
        producer.CommitTransaction([], null);

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
                producer.Send("staged-fenced", 0, producer.Buffers.Rent([], true, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), false), collector);
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
        Assert.False(producer.TransactionInFlight);
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

    private List<int> ReadValues(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<byte[]?, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "staged-read-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        var values = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { Message: { } message })
            {
                values.Add(int.Parse(message.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return values;
    }
}
