using Platform.Broker;
using Platform.Protocol;

namespace Platform.Client.Tests.Producer;

/// <summary>The transactional producer against a real broker: visibility, fencing, offsets, call order.</summary>
public sealed class TransactionTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o =>
    {
        o.GroupInitialRebalanceDelayMs = 0;
        o.GroupMinSessionTimeoutMs = 500;
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private IProducer<string?, string> Transactional(string transactionalId)
        => new ProducerBuilder<string?, string>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            TransactionalId = transactionalId,
            LingerMs = 1,
        }).Build();

    private IConsumer<string?, string> Consumer(IsolationLevel isolation, string? groupId = null)
        => new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = groupId,
            IsolationLevel = isolation,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
        }).Build();

    private async Task<List<string>> ReadAllAsync(string topic, int partitions, IsolationLevel isolation, int expected)
    {
        using var consumer = Consumer(isolation);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var quietUntil = DateTime.UtcNow.AddSeconds(1);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && (values.Count < expected || DateTime.UtcNow < quietUntil))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message)
            {
                values.Add(message.Value);
                quietUntil = DateTime.UtcNow.AddMilliseconds(500);
            }
        }

        return values;
    }

    [Fact]
    public async Task Commit_ProduceAsyncStillWaitingForItsTopicsMetadata_IsInTheCommittedTransaction()
    {
        using var producer = Transactional("late-append");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();

        // The producer knows no topic yet: the record waits for the metadata (and the topic's creation) before it is
        // appended. The commit covers it, as Kafka's covers every record sent before it.
        var sent = producer.ProduceAsync("late-append-topic", new Message<string?, string> { Value = "in the transaction" });
        await producer.CommitTransactionAsync();

        Assert.True(sent.IsCompletedSuccessfully, $"the record was reported before the commit returned ({sent.Status})");
        Assert.Equal(["in the transaction"], await ReadAllAsync("late-append-topic", 1, IsolationLevel.ReadCommitted, expected: 1));
    }

    [Fact]
    public async Task CommitAndAbort_ReadCommittedSeesOnlyCommitted_ReadUncommittedSeesAllButMarkers()
    {
        using var producer = Transactional("visibility");
        producer.InitTransactions(Timeout);
        foreach (var (prefix, commit) in new[] { ("a", true), ("b", false), ("c", true) })
        {
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(new TopicPartition("txn-visible", 0), new Message<string?, string> { Key = null, Value = $"{prefix}{i}" });
            }

            if (commit)
            {
                producer.CommitTransaction(Timeout);
            }
            else
            {
                // Flushed first, so the aborted records are in the log and the consumer has to filter them.
                producer.Flush(Timeout);
                producer.AbortTransaction(Timeout);
            }
        }

        var committed = await ReadAllAsync("txn-visible", 1, IsolationLevel.ReadCommitted, 20);
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => $"a{i}"), .. Enumerable.Range(0, 10).Select(i => $"c{i}")], committed);
        var everything = await ReadAllAsync("txn-visible", 1, IsolationLevel.ReadUncommitted, 30);
        Assert.Equal(30, everything.Count);
        Assert.Equal(10, everything.Count(v => v.StartsWith('b')));
    }

    [Fact]
    public async Task AbortTransaction_RecordsAlreadyAcknowledged_NeverReachReadCommitted()
    {
        using var producer = Transactional("abort-acked");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        for (var i = 0; i < 5; i++)
        {
            var report = await producer.ProduceAsync("txn-abort", new Message<string?, string> { Key = null, Value = $"x{i}" });
            Assert.Equal(PersistenceStatus.Persisted, report.Status);
        }

        producer.AbortTransaction(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync("txn-abort", new Message<string?, string> { Key = null, Value = "kept" });
        producer.CommitTransaction(Timeout);

        Assert.Equal(["kept"], await ReadAllAsync("txn-abort", 1, IsolationLevel.ReadCommitted, 1));
    }

    [Fact]
    public async Task SameTransactionalId_NewInstanceInitializes_OldOneIsFencedAndItsRecordsAborted()
    {
        using var zombie = Transactional("fenced-id");
        zombie.InitTransactions(Timeout);
        zombie.BeginTransaction();
        await zombie.ProduceAsync("txn-fence", new Message<string?, string> { Key = null, Value = "zombie" });

        using var successor = Transactional("fenced-id");
        successor.InitTransactions(Timeout);
        successor.BeginTransaction();
        await successor.ProduceAsync("txn-fence", new Message<string?, string> { Key = null, Value = "successor" });
        successor.CommitTransaction(Timeout);

        var commit = Assert.ThrowsAny<KafkaException>(() => zombie.CommitTransaction(Timeout));
        Assert.True(commit.Error.IsFatal, commit.Error.ToString());
        Assert.Contains(commit.Error.Code, new[] { ErrorCode.ProducerFenced, ErrorCode.InvalidProducerEpoch });
        var again = Assert.ThrowsAny<KafkaException>(() => zombie.BeginTransaction());
        Assert.True(again.Error.IsFatal);

        Assert.Equal(["successor"], await ReadAllAsync("txn-fence", 1, IsolationLevel.ReadCommitted, 1));
    }

    [Fact]
    public void CallsOutOfOrder_ThrowKafkaExceptionNamingTheState()
    {
        using var producer = Transactional("order");
        var begin = Assert.Throws<KafkaException>(() => producer.BeginTransaction());
        Assert.Equal(ErrorCode.InvalidTxnState, begin.Error.Code);
        Assert.Contains("Uninitialized", begin.Message);

        producer.InitTransactions(Timeout);
        var commit = Assert.Throws<KafkaException>(() => producer.CommitTransaction(Timeout));
        Assert.Contains("Ready", commit.Message);
        var produce = Assert.Throws<KafkaException>(() => producer.Produce("order", new Message<string?, string> { Key = null, Value = "v" }));
        Assert.Contains("BeginTransaction", produce.Message);
        Assert.Throws<KafkaException>(() => producer.InitTransactions(Timeout));

        producer.BeginTransaction();
        var twice = Assert.Throws<KafkaException>(() => producer.BeginTransaction());
        Assert.Contains("InTransaction", twice.Message);
        producer.CommitTransaction(Timeout);
    }

    [Fact]
    public void NonTransactionalProducer_TransactionCalls_Throw()
    {
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var error = Assert.Throws<KafkaException>(() => producer.InitTransactions(Timeout));
        Assert.Contains("transactional.id", error.Message);
    }

    [Fact]
    public async Task SendOffsetsToTransaction_GroupOffsetsAdvanceOnlyOnCommit()
    {
        using (var seed = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await seed.ProduceAsync(new TopicPartition("txn-offsets-in", 0), new Message<string?, string> { Key = null, Value = $"in{i}" });
            }
        }

        using var consumer = Consumer(IsolationLevel.ReadCommitted, "txn-offsets-group");
        consumer.Subscribe("txn-offsets-in");
        var consumed = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (consumed < 10 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100))?.Message is not null)
            {
                consumed++;
            }
        }

        Assert.Equal(10, consumed);
        var group = consumer.ConsumerGroupMetadata!;
        Assert.Equal("txn-offsets-group", group.GroupId);
        Assert.NotEqual("", group.MemberId);
        Assert.True(group.GenerationId > 0);
        var partition = new TopicPartition("txn-offsets-in", 0);

        using var producer = Transactional("offsets");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        producer.SendConsumedOffsetsToTransaction(consumer, Timeout);
        var pending = Assert.Throws<TopicPartitionOffsetException>(() => consumer.Committed([partition], Timeout));
        Assert.Contains("UNSTABLE_OFFSET_COMMIT", pending.Message);
        producer.AbortTransaction(Timeout);
        Assert.Equal(Offset.Unset, await StableCommittedAsync(consumer, partition));

        producer.BeginTransaction();
        producer.Produce("txn-offsets-out", new Message<string?, string> { Key = null, Value = "out" });
        producer.SendConsumedOffsetsToTransaction(consumer, Timeout);
        producer.CommitTransaction(Timeout);
        Assert.Equal(10, (await StableCommittedAsync(consumer, partition)).Value);
    }

    /// <summary>The committed offset once no transaction holds it (markers are written asynchronously after EndTxn).</summary>
    private static async Task<Offset> StableCommittedAsync(IConsumer<string?, string> consumer, TopicPartition partition)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return consumer.Committed([partition], Timeout).Single().Offset;
            }
            catch (TopicPartitionOffsetException ex) when (attempt < 100 && ex.Message.Contains("UNSTABLE_OFFSET_COMMIT"))
            {
                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public async Task SendOffsetsToTransaction_StaleGeneration_RequiresAbort()
    {
        using var consumer = Consumer(IsolationLevel.ReadCommitted, "txn-stale-group");
        consumer.Subscribe("txn-stale-in");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (consumer.Assignment.Count == 0 && DateTime.UtcNow < deadline)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }

        var real = consumer.ConsumerGroupMetadata!;
        var stale = new StaleGroup(real.GroupId, real.MemberId, real.GenerationId + 5, null);
        using var producer = Transactional("stale");
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        await Assert.ThrowsAsync<KafkaTxnRequiresAbortException>(() => producer.SendOffsetsToTransactionAsync([new TopicPartitionOffset("txn-stale-in", 0, 1)], stale));
        Assert.Throws<KafkaTxnRequiresAbortException>(() => producer.CommitTransaction(Timeout));
        producer.AbortTransaction(Timeout);
        producer.BeginTransaction();
        producer.CommitTransaction(Timeout);
    }

    private sealed record StaleGroup(string GroupId, string MemberId, int GenerationId, string? GroupInstanceId) : IConsumerGroupMetadata;
}
