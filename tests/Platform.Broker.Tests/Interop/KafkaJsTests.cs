using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Storage;

namespace Platform.Broker.Tests.Interop;

/// <summary>kafkajs (npm) against a real broker: create a topic, produce, fetch back.</summary>
public sealed class KafkaJsTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    public async Task CreateProduceFetch_RoundTripsEveryMessage(string codec)
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run tests/run-all.sh, which runs npm ci in tests/interop.");
        var topic = "kafkajs-" + codec;

        var result = await ExternalProcess.RunAsync("node", ["kafkajs-roundtrip.js", _broker.BootstrapServers, topic, "100", codec], workingDirectory: interop);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        Assert.True(root.GetProperty("created").GetBoolean());
        Assert.True(root.GetProperty("hasTopic").GetBoolean());
        Assert.Equal(2, root.GetProperty("partitions").GetInt32());
        var received = root.GetProperty("received").EnumerateArray().ToList();
        Assert.Equal(100, received.Count);
        foreach (var partition in new[] { 0, 1 })
        {
            var messages = received.Where(m => m.GetProperty("partition").GetInt32() == partition).ToList();
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), messages.Select(m => m.GetProperty("offset").GetInt64()));
            for (var i = 0; i < messages.Count; i++)
            {
                var n = (i * 2) + partition;
                Assert.Equal($"k-{n}", messages[i].GetProperty("key").GetString());
                Assert.Equal($"v-{n}", messages[i].GetProperty("value").GetString());
                Assert.Equal($"x-{n}", messages[i].GetProperty("header").GetString());
            }
        }

        var offsets = root.GetProperty("offsets").EnumerateArray().ToList();
        Assert.All(offsets, o => Assert.Equal("50", o.GetProperty("high").GetString()));
    }

    [Fact]
    public async Task IdempotentProducer_SendsAndHandMadeRetry_EveryMessageOnce()
    {
        var interop = Path.Combine(ExternalProcess.RepositoryRoot, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "kafkajs")), "kafkajs is not installed: run tests/run-all.sh, which runs npm ci in tests/interop.");

        var result = await ExternalProcess.RunAsync("node", ["kafkajs-idempotent.js", _broker.BootstrapServers, "kafkajs-idempotent", "20", "50"], workingDirectory: interop);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        var retried = root.GetProperty("retried").EnumerateArray().Select(r => (r.GetProperty("errorCode").GetInt32(), r.GetProperty("baseOffset").GetString())).ToList();
        Assert.Equal([(0, "500"), (0, "500")], retried);
        var received = root.GetProperty("received").EnumerateArray().ToList();
        Assert.Equal(1001, received.Count);
        foreach (var partition in new[] { 0, 1 })
        {
            var messages = received.Where(m => m.GetProperty("partition").GetInt32() == partition).ToList();
            Assert.Equal(Enumerable.Range(0, messages.Count).Select(i => (long)i), messages.Select(m => m.GetProperty("offset").GetInt64()));
            var values = messages.Select(m => m.GetProperty("value").GetString()).Where(v => v != "once");
            Assert.Equal(Enumerable.Range(0, 500).Select(i => $"v-{(i * 2) + partition}"), values);
        }

        var producers = _broker.Services.GetRequiredService<LogManager>().GetLog("kafkajs-idempotent", 1)!.GetProducers();
        Assert.Equal(499, Assert.Single(producers).LastSequence);
    }
}
