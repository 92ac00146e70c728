using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Platform.Broker;
using Platform.Protocol;

namespace Platform.Client.Tests.Consumer;

/// <summary>Bad input and failures: clear errors within the timeouts, no hang.</summary>
public sealed class ConsumerFaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static (IConsumer<string?, string?> Consumer, ConcurrentQueue<Error> Errors) Consumer(string bootstrap, Action<ConsumerConfig>? configure = null)
    {
        var errors = new ConcurrentQueue<Error>();
        var config = new ConsumerConfig { BootstrapServers = bootstrap, FetchMaxWaitMs = 100, SocketConnectionSetupTimeoutMs = 1000, RequestTimeoutMs = 3000 };
        configure?.Invoke(config);
        var consumer = new ConsumerBuilder<string?, string?>(config).SetErrorHandler((_, e) => errors.Enqueue(e)).Build();
        return (consumer, errors);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task UnreachableBootstrap_ErrorHandlerHearsIt_ConsumeReturnsNull_CloseIsQuick()
    {
        var (consumer, errors) = Consumer($"127.0.0.1:{FreePort()}");
        consumer.Assign(new TopicPartitionOffset("t", 0, Offset.Beginning));
        var started = DateTime.UtcNow;

        // Metadata never arrives: the consumer keeps retrying and reports through the handler.
        while (errors.IsEmpty && DateTime.UtcNow - started < Wait)
        {
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(200)));
        }

        var closing = DateTime.UtcNow;
        await consumer.DisposeAsync();

        Assert.Contains(errors, e => e.Code == ErrorCode.NetworkException);
        Assert.True(DateTime.UtcNow - closing < TimeSpan.FromSeconds(5));
        Assert.Throws<ObjectDisposedException>(() => consumer.Consume(TimeSpan.Zero));
    }

    [Fact]
    public async Task TopicDoesNotExist_ConsumeThrowsUnknownTopicNamingIt()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var (consumer, _) = Consumer(broker.BootstrapServers);
        using (consumer)
        {
            consumer.Assign(new TopicPartitionOffset("no-such-topic", 0, Offset.Beginning));

            var ex = Assert.Throws<KafkaException>(() => consumer.Consume(Wait));

            Assert.Equal(ErrorCode.UnknownTopicOrPartition, ex.Error.Code);
            Assert.Contains("no-such-topic", ex.Message);
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300)));
            var lookup = Assert.Throws<KafkaException>(() => consumer.OffsetsForTimes([new TopicPartitionTimestamp("no-such-topic", 0, new Timestamp(0, TimestampType.CreateTime))], Wait));
            Assert.Equal(ErrorCode.UnknownTopicOrPartition, lookup.Error.Code);
            Assert.Contains("no-such-topic", lookup.Message);
        }
    }

    [Fact]
    public async Task BrokerDiesMidFetch_ErrorReportedNoHang_ResumesWhenBack()
    {
        var port = FreePort();
        var dataDir = Path.Combine(Path.GetTempPath(), "platform-consumer-" + Guid.NewGuid().ToString("N"));
        void Configure(BrokerOptions o) => (o.Listen, o.DataDir) = ($"127.0.0.1:{port}", dataDir);
        try
        {
            var broker = await EmbeddedBroker.StartAsync(Configure);
            await Kcat.ProduceAsync(broker.BootstrapServers, "dies", "a\nb\n");
            var (consumer, errors) = Consumer(broker.BootstrapServers);
            using (consumer)
            {
                consumer.Assign(new TopicPartitionOffset("dies", 0, Offset.Beginning));
                Assert.Equal("a", consumer.Consume(Wait)?.Message!.Value);
                Assert.Equal("b", consumer.Consume(Wait)?.Message!.Value);

                await broker.DisposeAsync();
                var started = DateTime.UtcNow;
                while (errors.IsEmpty && DateTime.UtcNow - started < Wait)
                {
                    Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(200)));
                }

                Assert.Contains(errors, e => e.Code == ErrorCode.NetworkException);

                await using var restarted = await EmbeddedBroker.StartAsync(Configure);
                await Kcat.ProduceAsync(restarted.BootstrapServers, "dies", "c\n");
                Assert.Equal(("c", 2L), (consumer.Consume(Wait)?.Message!.Value, consumer.Position(new TopicPartition("dies", 0)).Value - 1));
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void Build_BadConfiguration_NamesTheProperty()
    {
        Assert.Contains("bootstrap.servers", Assert.Throws<ArgumentException>(() => new ConsumerBuilder<string, string>(new ConsumerConfig()).Build()).Message);
        Assert.Contains("fetch.max.wiat.ms", Assert.Throws<ArgumentException>(() => new ConsumerBuilder<string, string>(
            new ConsumerConfig { BootstrapServers = "h:1" }.Append(KeyValuePair.Create("fetch.max.wiat.ms", "1"))).Build()).Message);
        Assert.Contains("isolation.level", Assert.Throws<ArgumentException>(() => new ConsumerBuilder<string, string>(
            new ConsumerConfig { BootstrapServers = "h:1" }.Append(KeyValuePair.Create("isolation.level", "dirty"))).Build()).Message);
        Assert.Contains("request.timeout.ms", Assert.Throws<ArgumentException>(() => new ConsumerBuilder<string, string>(
            new ConsumerConfig { BootstrapServers = "h:1", RequestTimeoutMs = 100, FetchMaxWaitMs = 500 }).Build()).Message);
        Assert.Contains("Uri", Assert.Throws<ArgumentException>(() => new ConsumerBuilder<Uri, string>(new ConsumerConfig { BootstrapServers = "h:1" }).Build()).Message);
    }
}
