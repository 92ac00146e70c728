using Platform.Broker;
using Platform.Client.Serialization;

namespace Platform.Client.Tests.Producer;

/// <summary><see cref="IProducer{TKey,TValue}.SendWaiting"/>: what lingers now goes at once, what comes after lingers.</summary>
public sealed class ProducerSendWaitingTests
{
    [Fact]
    public async Task SendWaiting_LingeringRecord_IsSentWithoutWaitingAndLaterRecordsLinger()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using var producer = Lingering(broker);
        // Topic, metadata and connection first, so that only linger.ms can hold the records below.
        producer.Produce(new TopicPartition("waiting", 0), new Message<Null, string> { Value = "zeroth" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        var first = producer.ProduceAsync(new TopicPartition("waiting", 0), new Message<Null, string> { Value = "first" });
        await Task.Delay(300);
        Assert.False(first.IsCompleted, "linger.ms holds the record");

        producer.SendWaiting();
        var delivered = await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, delivered.Offset);

        await Task.Delay(50);
        var second = producer.ProduceAsync(new TopicPartition("waiting", 0), new Message<Null, string> { Value = "second" });
        await Task.Delay(500);
        Assert.False(second.IsCompleted, "a record produced after SendWaiting lingers again");

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, (await second).Offset);
    }

    [Fact]
    public async Task SendWaiting_RecordStillWaitingForItsTopicsMetadata_IsSentOnceAppendedWithoutLingering()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using var producer = Lingering(broker);

        // A new producer knows no topic yet: the record waits for the metadata (and the topic's creation) before it is
        // appended to a batch, after SendWaiting was called. Lingering, it would take 60 s.
        var first = producer.ProduceAsync("waiting-for-metadata", new Message<Null, string> { Value = "first" });
        producer.SendWaiting();
        var delivered = await first.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, delivered.Offset);
    }

    [Fact]
    public async Task Flush_RecordStillWaitingForItsTopicsMetadata_IsDeliveredWhenFlushReturns()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using var producer = Lingering(broker);

        // Appended only once the new topic's metadata is there: the flush must wait for that too.
        var first = producer.ProduceAsync("flushed-before-metadata", new Message<Null, string> { Value = "first" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(20)));

        Assert.True(first.IsCompletedSuccessfully, $"the record was reported when Flush returned ({first.Status})");
        Assert.Equal(0, (await first).Offset);
    }

    /// <summary>A producer whose records linger 60 s unless something sends them sooner.</summary>
    private static IProducer<Null, string> Lingering(EmbeddedBroker broker)
        => new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 60_000 }).Build();
}
