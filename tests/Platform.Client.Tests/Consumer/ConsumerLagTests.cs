using Platform.Broker;

namespace Platform.Client.Tests.Consumer;

/// <summary>
/// <see cref="IConsumer{TKey,TValue}.CurrentLag"/> as Kafka's currentLag: from the last fetch answer, against the
/// last stable offset under read_committed, reaching 0 once the position passed a trailing commit marker.
/// </summary>
public sealed class ConsumerLagTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o => o.GroupInitialRebalanceDelayMs = 0);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private IConsumer<string?, string> Consumer(IsolationLevel isolation)
        => new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            IsolationLevel = isolation,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).Build();

    private static long? LagAfterPolling(IConsumer<string?, string> consumer, TopicPartition partition, Func<long?, bool> done)
    {
        var deadline = Environment.TickCount64 + 20_000;
        long? lag = null;
        while (Environment.TickCount64 < deadline)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
            lag = consumer.CurrentLag(partition);
            if (done(lag))
            {
                return lag;
            }
        }

        return lag;
    }

    [Fact]
    public async Task CurrentLag_ReadCommittedOpenTransaction_CountsOnlyUpToTheLastStableOffset()
    {
        var partition = new TopicPartition("lag-open", 0);
        using (var plain = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await plain.ProduceAsync(partition, new Message<string?, string> { Value = "before" });
        }

        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, TransactionalId = "lag-open-tx", LingerMs = 1 }).Build();
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync(partition, new Message<string?, string> { Value = "open-1" });
        await producer.ProduceAsync(partition, new Message<string?, string> { Value = "open-2" });

        using var committed = Consumer(IsolationLevel.ReadCommitted);
        committed.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var uncommitted = Consumer(IsolationLevel.ReadUncommitted);
        uncommitted.Assign(new TopicPartitionOffset(partition, Offset.Beginning));

        // read_committed sees "before" and then nothing more until the transaction ends: it is caught up.
        Assert.Equal(0, LagAfterPolling(committed, partition, lag => lag == 0 && committed.Position(partition).Value == 1));
        Assert.Equal(0, LagAfterPolling(uncommitted, partition, lag => lag == 0));
        Assert.Equal(3, uncommitted.Position(partition).Value);

        producer.CommitTransaction(Timeout);

        // The two records and the commit marker: the position passes the marker, so the lag comes back to 0.
        var read = new List<string>();
        var deadline = Environment.TickCount64 + 20_000;
        while (read.Count < 2 && Environment.TickCount64 < deadline)
        {
            if (committed.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message })
            {
                read.Add(message.Value);
            }
        }

        Assert.Equal(["open-1", "open-2"], read);
        Assert.Equal(0, LagAfterPolling(committed, partition, lag => lag == 0 && committed.Position(partition).Value == 4));
        Assert.Equal(4, committed.Position(partition).Value);
    }

    [Fact]
    public async Task CurrentLag_BeforeAnyFetch_IsUnknownThenCountsWhatIsLeft()
    {
        var partition = new TopicPartition("lag-plain", 0);
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        for (var i = 0; i < 5; i++)
        {
            await producer.ProduceAsync(partition, new Message<string?, string> { Value = $"v{i}" });
        }

        using var consumer = Consumer(IsolationLevel.ReadUncommitted);
        consumer.Assign(new TopicPartitionOffset(partition, 3));

        Assert.Null(consumer.CurrentLag(partition));
        Assert.Equal(0, LagAfterPolling(consumer, partition, lag => lag == 0));
        Assert.Equal(5, consumer.Position(partition).Value);
    }
}
