using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Broker;
using Platform.Client.Serialization;
using Platform.Client.Tests.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Producer;

/// <summary>Bad input and broken brokers: a clear error within the configured timeouts, never a hang or a silent loss.</summary>
public sealed class ProducerFailureTests
{
    [Fact]
    public async Task ProduceAsync_UnreachableBootstrap_FailsAfterMaxBlock()
    {
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:1", MaxBlockMs = 1000 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<KafkaException>(() => producer.ProduceAsync("t", new Message<Null, string> { Value = "v" }));

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        Assert.Contains("max.block.ms", ex.Message);
        Assert.Contains("127.0.0.1:1", ex.Message);
    }

    [Fact]
    public async Task ProduceAsync_MissingTopicWithoutAutoCreate_FailsWithUnknownTopic()
    {
        await using var broker = await EmbeddedBroker.StartAsync(o => o.AutoCreateTopicsEnable = false);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, MaxBlockMs = 1000 }).Build();

        var ex = await Assert.ThrowsAsync<KafkaException>(() => producer.ProduceAsync("missing", new Message<Null, string> { Value = "v" }));

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, ex.Error.Code);
        Assert.Contains("'missing'", ex.Message);
    }

    [Fact]
    public async Task Produce_RecordOverMaxRequestSize_ThrowsAndSendsNothing()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, MaxRequestSize = 10_000 }).Build();
        await producer.ProduceAsync(new TopicPartition("big", 0), new Message<Null, byte[]> { Value = new byte[10] });

        var ex = Assert.Throws<ProduceException<Null, byte[]>>(() => producer.Produce(new TopicPartition("big", 0), new Message<Null, byte[]> { Value = new byte[20_000] }));

        Assert.Equal(ErrorCode.MessageTooLarge, ex.Error.Code);
        Assert.Contains("max.request.size", ex.Message);
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(5)));
        Assert.Single(await PartitionReader.ReadAllAsync(broker.BootstrapServers, "big", 0, 2, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task ProduceAsync_SerializerThrows_ThrowsProduceExceptionWithCause()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers })
            .SetValueSerializer(new ThrowingSerializer())
            .Build();

        var ex = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync("ser", new Message<Null, string> { Value = "v" }));

        Assert.Equal(ErrorCode.InvalidRecord, ex.Error.Code);
        Assert.IsType<FormatException>(ex.InnerException);
        Assert.Equal(PersistenceStatus.NotPersisted, ex.DeliveryResult.Status);
    }

    [Fact]
    public async Task ProduceAsync_BrokerNeverAnswersProduce_FailsAsTimedOutAfterRequestTimeout()
    {
        await using var fake = new FakeBroker();
        var config = new ProducerConfig
        {
            BootstrapServers = fake.Address.ToString(),
            Acks = Acks.Leader,
            RequestTimeoutMs = 500,
            Retries = 0,
            LingerMs = 0,
        };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var watch = Stopwatch.StartNew();
        var produced = producer.ProduceAsync(new TopicPartition("silent", 0), new Message<Null, string> { Value = "v" });

        var metadata = await fake.NextRequestAsync();
        Assert.Equal(ApiKey.Metadata, metadata.ApiKey);
        await fake.RespondAsync(metadata, new MetadataResponse
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = 1, Host = fake.Address.Host, Port = fake.Address.Port }],
            ControllerId = 1,
            Topics =
            [
                new MetadataResponse.MetadataResponseTopic
                {
                    Name = "silent",
                    TopicId = Guid.NewGuid(),
                    Partitions = [new MetadataResponse.MetadataResponsePartition { PartitionIndex = 0, LeaderId = 1, ReplicaNodes = [1], IsrNodes = [1] }],
                },
            ],
        });

        // The produce request arrives and is never answered.
        ReceivedRequest request;
        do
        {
            request = await fake.NextRequestAsync();
        }
        while (request.ApiKey != ApiKey.Produce);

        var ex = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => produced);
        Assert.Equal(ErrorCode.RequestTimedOut, ex.Error.Code);
        Assert.Contains("request.timeout.ms", ex.Error.Reason);
        Assert.Equal(PersistenceStatus.PossiblyPersisted, ex.DeliveryResult.Status);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Produce_BrokerGone_FailsReportsWithinDeliveryTimeout()
    {
        var broker = await EmbeddedBroker.StartAsync();
        var errors = new ConcurrentQueue<Error>();
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, DeliveryTimeoutMs = 2000, RequestTimeoutMs = 1000, LingerMs = 0 };
        using var producer = new ProducerBuilder<Null, string>(config).SetErrorHandler((_, e) => errors.Enqueue(e)).Build();
        await producer.ProduceAsync(new TopicPartition("gone", 0), new Message<Null, string> { Value = "first" });
        await broker.DisposeAsync();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        for (var i = 0; i < 10; i++)
        {
            producer.Produce(new TopicPartition("gone", 0), new Message<Null, string> { Value = "v" }, reports.Enqueue);
        }

        producer.Produce(new TopicPartition("gone", 0), new Message<Null, string> { Value = "fire-and-forget" });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, reports.Count);
        Assert.All(reports, r => Assert.True(r.Error.IsError));
        Assert.Contains(errors, e => e.Reason.Contains("without a delivery handler", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Produce_BufferMemoryFullWithBrokerStopped_BlocksThenTimesOut()
    {
        var broker = await EmbeddedBroker.StartAsync();
        var config = new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            BufferMemory = 64 * 1024,
            BatchSize = 16 * 1024,
            MaxBlockMs = 1000,
            DeliveryTimeoutMs = 3000,
            RequestTimeoutMs = 2000,
        };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        await producer.ProduceAsync(new TopicPartition("pressure", 0), new Message<Null, byte[]> { Value = new byte[10] });
        await broker.DisposeAsync();
        var watch = Stopwatch.StartNew();

        var ex = Assert.Throws<KafkaException>(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                producer.Produce(new TopicPartition("pressure", 0), new Message<Null, byte[]> { Value = new byte[1000] });
            }
        });

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        Assert.Contains("buffer.memory", ex.Message);
    }

    [Fact]
    public void Build_IdempotenceWithAcks1_NamesTheConflict()
    {
        var config = new ProducerConfig { BootstrapServers = "h:1", EnableIdempotence = true, Acks = Acks.Leader };

        var ex = Assert.Throws<ArgumentException>(() => new ProducerBuilder<Null, string>(config).Build());

        Assert.Contains("acks=all", ex.Message);
    }

    [Fact]
    public void Build_UnknownProperty_NamesIt()
    {
        var config = new ProducerConfig { BootstrapServers = "h:1" };
        config.Set("linger.msec", "5");

        var ex = Assert.Throws<ArgumentException>(() => new ProducerBuilder<Null, string>(config).Build());

        Assert.Contains("'linger.msec'", ex.Message);
    }

    private sealed class ThrowingSerializer : ISerializer<string>
    {
        public byte[]? Serialize(string data, SerializationContext context) => throw new FormatException("bad value");
    }
}
