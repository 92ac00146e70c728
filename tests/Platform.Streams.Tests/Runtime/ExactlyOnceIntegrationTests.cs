using System.Text.Json;
using Platform.Client;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Exactly-once: a thread whose producer is fenced drops its open transaction, rejoins and resumes without duplicates.</summary>
public sealed class ExactlyOnceIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("words-input", 2);
        await _cluster.CreateTopicAsync("word-counts", 2);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task FencedProducer_ZombieThread_RejoinsAndCommittedOutputHasNoDuplicates()
    {
        var stateDir = _cluster.NewStateDir();
        using var streams = new KafkaStreams(StreamsTestCluster.WordCount(Stores.InMemoryKeyValueStore("counts")), _cluster.Config("eos-fence", stateDir, "exactly_once_v2"), _logging);
        streams.Start();
        await _cluster.ProduceAsync("words-input", (null, "x y x"));
        await _cluster.ReadUntilAsync("word-counts", r => r.Contains(("x", 2)));

        // Another producer with the thread's transactional id: the thread's producer is now a zombie.
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(stateDir, "eos-fence", "kafka-streams-process-metadata")));
        var transactionalId = $"eos-fence-{metadata.RootElement.GetProperty("processId").GetString()}-1";
        using (var usurper = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, TransactionalId = transactionalId }).Build())
        {
            usurper.InitTransactions(TimeSpan.FromSeconds(30));
        }

        await _cluster.ProduceAsync("words-input", (null, "x y"), (null, "x"));
        var records = await _cluster.ReadUntilAsync("word-counts", r => r.Contains(("x", 4)) && r.Contains(("y", 2)));
        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running again");

        foreach (var word in records.GroupBy(r => r.Key))
        {
            Assert.Equal(Enumerable.Range(1, word.Count()).Select(i => (long)i), word.Select(r => r.Value));
        }

        Assert.Null(streams.FatalException);
    }
}
