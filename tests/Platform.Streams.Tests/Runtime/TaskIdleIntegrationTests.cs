using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>
/// KIP-695's max.task.idle.ms = 0 (the default) on a real broker: a task whose input partition is empty but
/// known to hold more data (the consumer's fetched lag above 0) waits for it, so a stream-table join sees the
/// table as of each order's timestamp even when the table's partition is fetched later.
/// </summary>
public sealed class TaskIdleIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        foreach (var topic in new[] { "idle-orders", "idle-prices", "idle-out" })
        {
            await _cluster.CreateTopicAsync(topic, 1);
        }
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task ProduceAsync(string topic, string key, string value, long timestamp)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = value, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) });
    }

    [Fact]
    public async Task StreamTableJoin_TablePartitionLagging_WaitsAndJoinsInTimestampOrder()
    {
        // Orders first on the broker, each its own batch; the prices that precede them in record time after.
        await ProduceAsync("idle-orders", "k", "x", 2_000);
        await ProduceAsync("idle-orders", "k", "y", 4_000);
        await ProduceAsync("idle-prices", "k", "v1", 1_000);
        await ProduceAsync("idle-prices", "k", "v2", 3_000);

        var builder = new StreamsBuilder();
        var prices = builder.Table("idle-prices", Consumed.With(Serdes.String, Serdes.String));
        builder.Stream("idle-orders", Consumed.With(Serdes.String, Serdes.String))
            .Join(prices, (order, price) => order + "@" + price)
            .To("idle-out", Produced.With(Serdes.String, Serdes.String));
        var config = _cluster.Config("idle-join", _cluster.NewStateDir());

        // One batch per fetch answer: the two partitions' data arrive in separate fetches, one lagging the other.
        config["consumer.fetch.max.bytes"] = "1";
        config["consumer.max.partition.fetch.bytes"] = "1";
        using var streams = new KafkaStreams(builder.Build(), config, _logging);
        streams.Start();

        var joined = new List<string>();
        using var reader = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "idle-reader",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).Build();
        reader.Subscribe("idle-out");
        var deadline = Environment.TickCount64 + 30_000;
        while (joined.Count < 2 && Environment.TickCount64 < deadline)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message })
            {
                joined.Add(message.Value);
            }
        }

        Assert.Equal(["x@v1", "y@v2"], joined);
        streams.Close();
    }
}
