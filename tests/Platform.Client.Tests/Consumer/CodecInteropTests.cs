using Platform.Broker;

namespace Platform.Client.Tests.Consumer;

/// <summary>
/// Our managed codecs against librdkafka's (kcat): batches large enough to span several LZ4 blocks and
/// zstd/snappy chunks, compressed by one side and read by the other.
/// </summary>
public sealed class CodecInteropTests : IAsyncLifetime
{
    private const int Count = 5000;
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 1);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    /// <summary>About 120 bytes per record, partly repetitive, partly not, so blocks really compress.</summary>
    private static string Lines(string codec)
        => string.Concat(Enumerable.Range(0, Count).Select(i => $"key-{i % 13}:{codec}-{i}-{Guid.NewGuid():N}-{new string((char)('a' + (i % 26)), 50)}\n"));

    [Theory]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Produce_CompressedBigBatches_KcatReadsThemExactly(string codec)
    {
        var topic = "ours-" + codec;
        var lines = Lines(codec);
        var config = new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 200 };
        config.Set("compression.type", codec);
        config.Set("batch.size", "1000000");
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                producer.Produce(topic, new Message<string, string> { Key = line[..colon], Value = line[(colon + 1)..] });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var consumed = await Kcat.RunAsync(_broker.BootstrapServers, null, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k:%s\n");

        Assert.True(consumed.ExitCode == 0, consumed.StdErr);
        Assert.Equal(lines, consumed.StdOut);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Consume_KcatCompressedBigBatches_ReadsThemExactly(string codec)
    {
        var topic = "kcat-" + codec;
        var lines = Lines(codec);
        await Kcat.ProduceAsync(_broker.BootstrapServers, topic, lines, "-K:", "-z", codec, "-X", "linger.ms=200", "-X", "batch.size=1000000");

        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, FetchMaxWaitMs = 100, AutoOffsetReset = AutoOffsetReset.Earliest };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartition(topic, 0));
        var read = new System.Text.StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"Only {i} of {Count} records arrived.");
            read.Append(result.Message!.Key).Append(':').Append(result.Message.Value).Append('\n');
        }

        Assert.Equal(lines, read.ToString());
    }
}
