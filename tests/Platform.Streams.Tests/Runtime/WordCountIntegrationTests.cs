using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Word count end to end on a real broker: threads, tasks, stores, commits, interactive queries.</summary>
public sealed class WordCountIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static (string?, string)[] Lines(params string[] lines) => [.. lines.Select((l, i) => ((string?)$"k{i}", l))];

    [Theory]
    [InlineData("at_least_once")]
    [InlineData("exactly_once_v2")]
    public async Task WordCount_TwoThreadsFourPartitions_FinalCountsAndQueryableStore(string guarantee)
    {
        await _cluster.CreateTopicAsync("words-input", 4);
        await _cluster.CreateTopicAsync("word-counts", 4);
        await _cluster.ProduceAsync("words-input", Lines("the quick brown fox", "the lazy dog", "The end", "quick quick"));
        var states = new List<KafkaStreamsState>();
        using var streams = new KafkaStreams(StreamsTestCluster.WordCount(Stores.InMemoryKeyValueStore("counts")), _cluster.Config("wc-" + guarantee.Replace('_', '-'), _cluster.NewStateDir(), guarantee, threads: 2), _logging);
        streams.StateChanged += (next, _) => { lock (states) { states.Add(next); } };
        long processed = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Platform.Streams" && instrument.Name == "streams.process.records" && instrument.Meter.Tags?.Any(t => Equals(t.Value, streams.ApplicationId)) == true)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref processed, value));
        listener.Start();

        streams.Start();

        var expected = new Dictionary<string, long> { ["the"] = 3, ["quick"] = 3, ["brown"] = 1, ["fox"] = 1, ["lazy"] = 1, ["dog"] = 1, ["end"] = 1 };
        var output = await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).Count == expected.Count && expected.All(e => StreamsTestCluster.Latest(r).GetValueOrDefault(e.Key) == e.Value));
        Assert.Equal(expected, StreamsTestCluster.Latest(output));
        foreach (var word in output.GroupBy(r => r.Key))
        {
            // Each update of a word is one more than the one before: nothing lost, nothing duplicated.
            Assert.Equal(Enumerable.Range(1, word.Count()).Select(i => (long)i), word.Select(r => r.Value));
        }

        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "state Running");
        var store = streams.Store<IReadOnlyKeyValueStore<string?, long>>("counts");
        Assert.Equal(3, store.Get("quick"));
        Assert.Equal(expected.Count, store.All().Count());

        await StreamsTestCluster.WaitUntilAsync(() => Interlocked.Read(ref processed) > 0, "the process-rate counter counts");
        streams.Close();
        Assert.Equal(KafkaStreamsState.NotRunning, streams.State);
        lock (states)
        {
            Assert.Equal([KafkaStreamsState.Rebalancing, KafkaStreamsState.Running], states.Take(2));
            Assert.Equal([KafkaStreamsState.PendingShutdown, KafkaStreamsState.NotRunning], states.TakeLast(2));
        }
    }

    [Fact]
    public async Task Start_SourceTopicMissing_ThrowsNamingTheTopic()
    {
        using var streams = new KafkaStreams(StreamsTestCluster.WordCount(Stores.InMemoryKeyValueStore("counts"), input: "no-such-input"), _cluster.Config("wc-missing", _cluster.NewStateDir()));

        var error = Assert.Throws<Platform.Streams.Runtime.StreamsMissingSourceTopicException>(() => streams.Start());

        Assert.Contains("no-such-input", error.Message, StringComparison.Ordinal);
        Assert.Equal(KafkaStreamsState.Created, streams.State);
    }
}
