using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Serialization;
using Platform.Protocol;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// Batches larger than the topic's <c>max.message.bytes</c> (MESSAGE_TOO_LARGE): the producer splits
/// them and delivers every record once, in order; only a record too large on its own fails.
/// </summary>
public sealed class ProducerBatchSplitTests : IAsyncLifetime
{
    private const int TopicLimit = 8000;
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private async Task CreateTopicAsync(string topic)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 1,
            ReplicationFactor = 1,
            Configs = new() { ["max.message.bytes"] = TopicLimit.ToString() },
        }]);
    }

    /// <summary>A producer that holds records for a minute, so a flush sends them as one batch far above the topic's limit.</summary>
    private IProducer<Null, string> Producer(string compression, bool idempotent)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            BatchSize = 1_000_000,
            LingerMs = 60_000,
            EnableIdempotence = idempotent,

            // Without idempotence only one request in flight keeps a partition's order through retries.
            MaxInFlightRequestsPerConnection = idempotent ? 5 : 1,
        };
        config.Set("compression.type", compression);
        return new ProducerBuilder<Null, string>(config).Build();
    }

    private static string Payload(Random random, int i)
    {
        // Half-random hex, so compressed batches are still well over the limit.
        var bytes = new byte[40];
        random.NextBytes(bytes);
        return $"v-{i:D5}-{Convert.ToHexString(bytes)}";
    }

    [Theory]
    [InlineData("none", true)]
    [InlineData("zstd", true)]
    [InlineData("none", false)]
    [InlineData("lz4", false)]
    public async Task Flush_BatchOverTopicLimit_IsSplitAndEveryRecordLandsOnceInOrder(string compression, bool idempotent)
    {
        var topic = $"split-{compression}-{idempotent}";
        await CreateTopicAsync(topic);
        using var producer = Producer(compression, idempotent);
        var random = new Random(7);
        var values = Enumerable.Range(0, 2000).Select(i => Payload(random, i)).ToList();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        foreach (var value in values)
        {
            producer.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = value }, reports.Enqueue);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.All(reports, r => Assert.False(r.Error.IsError, r.Error.ToString()));
        Assert.Equal(values, reports.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), reports.Select(r => r.Offset));

        // One more than sent: a duplicate would show up as a 2001st record.
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, topic, 0, 2001, TimeSpan.FromSeconds(1));
        Assert.Equal(values, stored.Select(s => s.Value));
        if (idempotent)
        {
            // The pieces carried the sequences of the split batch: one epoch, no gap.
            var log = _broker.Services.GetRequiredService<Platform.Storage.LogManager>().GetLog(topic, 0)!;
            var state = Assert.Single(log.GetProducers());
            Assert.Equal(1999, state.LastSequence);
        }
    }

    [Fact]
    public async Task Produce_StreamOfBatchesEachOverTheLimit_Pipelined_EveryRecordLandsOnceInOrder()
    {
        await CreateTopicAsync("split-stream");
        var config = new ProducerConfig { BootstrapServers = _broker.BootstrapServers, BatchSize = 3 * TopicLimit, LingerMs = 1 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var random = new Random(5);
        var values = Enumerable.Range(0, 3000).Select(i => Payload(random, i)).ToList();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        // Batches follow each other with up to five in flight: while one is split, the next ones come
        // back OUT_OF_ORDER_SEQUENCE and must go again after its pieces, not before.
        for (var i = 0; i < values.Count; i++)
        {
            producer.Produce(new TopicPartition("split-stream", 0), new Message<Null, string> { Value = values[i] }, reports.Enqueue);
            if (i % 50 == 0)
            {
                // Spread the batches over time, so new ones are sent while older ones are still in flight.
                Thread.Sleep(1);
            }
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.All(reports, r => Assert.False(r.Error.IsError, r.Error.ToString()));
        Assert.Equal(values, reports.Select(r => r.Value));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "split-stream", 0, 3001, TimeSpan.FromSeconds(1));
        Assert.Equal(values, stored.Select(s => s.Value));
        var log = _broker.Services.GetRequiredService<Platform.Storage.LogManager>().GetLog("split-stream", 0)!;
        Assert.Equal(2999, Assert.Single(log.GetProducers()).LastSequence);
    }

    [Fact]
    public async Task Flush_NewProducerFirstBatchTooLargeSecondSmall_SecondWaitsForTheFirstsPieces()
    {
        await CreateTopicAsync("split-first");
        var config = new ProducerConfig { BootstrapServers = _broker.BootstrapServers, BatchSize = TopicLimit + 2000, LingerMs = 60_000 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var random = new Random(9);
        var values = Enumerable.Range(0, 150).Select(i => Payload(random, i)).ToList();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        // Two batches: a full one over the limit, then a small one. The broker knows nothing of this
        // producer yet and would take the small one's sequence as the start; sent alongside, it would
        // land first and make the first one's pieces look like duplicates.
        foreach (var value in values)
        {
            producer.Produce(new TopicPartition("split-first", 0), new Message<Null, string> { Value = value }, reports.Enqueue);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        Assert.All(reports, r => Assert.False(r.Error.IsError, r.Error.ToString()));
        Assert.Equal(values, reports.Select(r => r.Value));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "split-first", 0, 151, TimeSpan.FromSeconds(1));
        Assert.Equal(values, stored.Select(s => s.Value));
    }

    [Fact]
    public async Task ProduceAsync_RecordOverTopicLimitOnItsOwn_FailsWithMessageTooLarge_ProducerGoesOn()
    {
        await CreateTopicAsync("split-single");
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var tp = new TopicPartition("split-single", 0);

        var ex = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync(tp, new Message<Null, string> { Value = new string('x', 2 * TopicLimit) }));
        var after = await producer.ProduceAsync(tp, new Message<Null, string> { Value = "small" });

        Assert.Equal(ErrorCode.MessageTooLarge, ex.Error.Code);
        Assert.Equal(PersistenceStatus.NotPersisted, ex.DeliveryResult.Status);
        Assert.Equal(0, after.Offset);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Flush_BatchWithOneRecordOverTheLimit_OnlyThatRecordFails_RestInOrder(bool idempotent)
    {
        var topic = $"split-mixed-{idempotent}";
        await CreateTopicAsync(topic);
        using var producer = Producer("none", idempotent);
        var random = new Random(3);
        var values = Enumerable.Range(0, 500).Select(i => i == 250 ? new string('x', 2 * TopicLimit) : Payload(random, i)).ToList();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        foreach (var value in values)
        {
            producer.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = value }, reports.Enqueue);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        var failed = Assert.Single(reports, r => r.Error.IsError);
        Assert.Equal(ErrorCode.MessageTooLarge, failed.Error.Code);
        Assert.Equal(values[250], failed.Value);
        var delivered = reports.Where(r => !r.Error.IsError).ToList();
        var expected = values.Where((_, i) => i != 250).ToList();
        Assert.Equal(expected, delivered.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 499).Select(i => (long)i), delivered.Select(r => r.Offset));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, topic, 0, 500, TimeSpan.FromSeconds(1));
        Assert.Equal(expected, stored.Select(s => s.Value));
    }
}
