using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Storage;

namespace Platform.Broker.Tests.Interop;

/// <summary>kcat (librdkafka) against a real broker on loopback: metadata, produce and consume with every codec.</summary>
public sealed class KcatTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private Task<ExternalProcess.Result> Kcat(string? stdin, params string[] arguments)
        => ExternalProcess.RunAsync("kcat", ["-b", _broker.BootstrapServers, "-X", "api.version.request=true", .. arguments], stdin);

    private static string Lines(int count, string prefix) => string.Concat(Enumerable.Range(0, count).Select(i => $"key-{i % 7}:{prefix}-value-{i}\n"));

    [Fact]
    public async Task Metadata_ListsBrokerAndTopics()
    {
        var produce = await Kcat("k:v\n", "-P", "-t", "meta-topic", "-K:");
        Assert.Equal(0, produce.ExitCode);

        var result = await Kcat(null, "-L", "-J");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.StdOut);
        var broker = Assert.Single(json.RootElement.GetProperty("brokers").EnumerateArray());
        Assert.Equal(1, broker.GetProperty("id").GetInt32());
        Assert.Equal(_broker.BootstrapServers, broker.GetProperty("name").GetString());
        var topic = json.RootElement.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == "meta-topic");
        Assert.Equal(1, topic.GetProperty("partitions").GetArrayLength());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task ProduceConsume_EachCodec_RoundTripsExactly(string codec)
    {
        var topic = "codec-" + codec;
        var input = Lines(2000, codec);

        var produce = await Kcat(input, "-P", "-t", topic, "-K:", "-z", codec, "-X", "linger.ms=5");
        Assert.True(produce.ExitCode == 0, produce.StdErr);

        var consume = await Kcat(null, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k:%s\n");
        Assert.True(consume.ExitCode == 0, consume.StdErr);
        Assert.Equal(input, consume.StdOut);
    }

    [Fact]
    public async Task ProduceConsume_IdempotentProducer_100kRecordsRoundTripExactly()
    {
        var input = Lines(100_000, "idem");

        var produce = await Kcat(input, "-P", "-t", "idempotent", "-K:", "-X", "enable.idempotence=true", "-X", "linger.ms=5");
        Assert.True(produce.ExitCode == 0, produce.StdErr);

        var consume = await Kcat(null, "-C", "-t", "idempotent", "-o", "beginning", "-e", "-q", "-f", "%k:%s\n");
        Assert.True(consume.ExitCode == 0, consume.StdErr);
        Assert.Equal(input, consume.StdOut);
        var log = _broker.Services.GetRequiredService<LogManager>().GetLog("idempotent", 0)!;
        var producer = Assert.Single(log.GetProducers());
        Assert.Equal(99_999, producer.LastSequence);
    }

    [Fact]
    public async Task Consume_FromOffsetAndFromEnd_StartsThere()
    {
        var input = Lines(100, "offset");
        Assert.Equal(0, (await Kcat(input, "-P", "-t", "offsets", "-p", "0", "-K:")).ExitCode);

        var fromOffset = await Kcat(null, "-C", "-t", "offsets", "-p", "0", "-o", "90", "-e", "-q", "-f", "%o %s\n");
        var expected = string.Concat(Enumerable.Range(90, 10).Select(i => $"{i} offset-value-{i}\n"));
        Assert.Equal(expected, fromOffset.StdOut);

        var fromEnd = await Kcat(null, "-C", "-t", "offsets", "-p", "0", "-o", "-3", "-e", "-q", "-f", "%o\n");
        Assert.Equal("97\n98\n99\n", fromEnd.StdOut);

        var atEnd = await Kcat(null, "-C", "-t", "offsets", "-p", "0", "-o", "end", "-e", "-q", "-f", "%o\n");
        Assert.Equal(0, atEnd.ExitCode);
        Assert.Equal(string.Empty, atEnd.StdOut);
    }

    [Fact]
    public async Task Consume_FromTimestamp_StartsAtFirstRecordAtOrAfterIt()
    {
        // kcat stamps each record with the time it reads the line, so produce two runs some time apart.
        Assert.Equal(0, (await Kcat("early-1\nearly-2\n", "-P", "-t", "times", "-p", "0")).ExitCode);
        await Task.Delay(1500);
        var boundary = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Task.Delay(200);
        Assert.Equal(0, (await Kcat("late-1\nlate-2\n", "-P", "-t", "times", "-p", "0")).ExitCode);

        var result = await Kcat(null, "-C", "-t", "times", "-p", "0", "-o", $"s@{boundary}", "-e", "-q", "-f", "%o %s\n");

        Assert.Equal("2 late-1\n3 late-2\n", result.StdOut);
    }

    [Fact]
    public async Task ProduceConsume_BinaryValuesAndHeaders_RoundTrip()
    {
        var produce = await Kcat("payload\n", "-P", "-t", "headers", "-H", "trace=abc", "-H", "empty=");
        Assert.Equal(0, produce.ExitCode);

        var consume = await Kcat(null, "-C", "-t", "headers", "-o", "beginning", "-e", "-q", "-f", "%h|%s|%T\n");

        var line = consume.StdOut.TrimEnd('\n').Split('|');
        Assert.Equal("trace=abc,empty=", line[0]);
        Assert.Equal("payload", line[1]);
        Assert.InRange(long.Parse(line[2], System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }
}
