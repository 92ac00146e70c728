using System.Reactive.Linq;
using System.Reactive.Subjects;
using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>The in-process observable adapters on a real broker: a stream fed from an observable, a stream observed.</summary>
public sealed class ObservableIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StreamFromObservable_ElementsAfterStart_WrittenToTopicProcessedAndObserved()
    {
        await _cluster.CreateTopicAsync("obs-input", 2);
        using var source = new Subject<KeyValuePair<string, string>>();
        var builder = new StreamsBuilder();
        var observed = builder.Stream(source, "obs-input", Consumed.With(Serdes.String, Serdes.String))
            .MapValues(v => v.ToUpperInvariant())
            .AsObservable();
        var seen = new List<Record<string, string>>();
        var completed = false;
        using var subscription = observed.Subscribe(r => { lock (seen) { seen.Add(r); } }, () => completed = true);
        using var streams = new KafkaStreams(builder.Build(), _cluster.Config("obs-feed", _cluster.NewStateDir()), _logging);
        await streams.StartAsync();

        for (var i = 0; i < 20; i++)
        {
            source.OnNext(new($"k{i % 3}", $"word{i}"));
        }

        source.OnCompleted();
        await StreamsTestCluster.WaitUntilAsync(() => { lock (seen) { return seen.Count == 20; } }, "20 observed records");
        lock (seen)
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"WORD{i}").Order(), seen.Select(r => r.Value).Order());
            foreach (var key in new[] { "k0", "k1", "k2" })
            {
                // One key lives in one partition: its records are seen in the order the source emitted them.
                var expected = Enumerable.Range(0, 20).Where(i => $"k{i % 3}" == key).Select(i => $"WORD{i}");
                Assert.Equal(expected, seen.Where(r => r.Key == key).Select(r => r.Value));
            }

            Assert.All(seen, r => Assert.True(r.Timestamp > 0));
        }

        Assert.Equal(20, await CountRecordsAsync("obs-input", 2, 20));
        Assert.False(completed);
        streams.Close();
        Assert.True(completed);
    }

    [Fact]
    public async Task StreamFromObservable_ElementsBeforeStart_NotWritten()
    {
        await _cluster.CreateTopicAsync("obs-early", 1);
        using var source = new Subject<KeyValuePair<string, string>>();
        var builder = new StreamsBuilder();
        var observed = builder.Stream(source, "obs-early", Consumed.With(Serdes.String, Serdes.String)).AsObservable();
        var seen = new List<string>();
        using var subscription = observed.Subscribe(r => { lock (seen) { seen.Add(r.Value); } });
        source.OnNext(new("k", "before"));
        using var streams = new KafkaStreams(builder.Build(), _cluster.Config("obs-early", _cluster.NewStateDir()), _logging);
        await streams.StartAsync();

        source.OnNext(new("k", "after"));

        await StreamsTestCluster.WaitUntilAsync(() => { lock (seen) { return seen.Count > 0; } }, "an observed record");
        streams.Close();
        Assert.Equal(["after"], seen);
    }

    [Fact]
    public void AsObservable_TestDriver_SeesPipedRecordsWithTimestamps()
    {
        var builder = new StreamsBuilder();
        var observed = builder.Stream("in", Consumed.With(Serdes.String, Serdes.String))
            .Filter((_, v) => v != "skip")
            .AsObservable(Named.As("observer"));
        var seen = new List<(string, string, long)>();
        using var subscription = observed.Subscribe(r => seen.Add((r.Key, r.Value, r.Timestamp)));
        var topology = builder.Build();
        using var driver = new Platform.Streams.Testing.TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("a", "one", 10);
        input.PipeInput("b", "skip", 20);
        input.PipeInput("c", "three", 30);

        Assert.Equal([("a", "one", 10L), ("c", "three", 30L)], seen);
        Assert.Contains("observer", topology.Describe().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AsObservable_ObserverThrows_FailsTheRecordLikeAnyProcessor()
    {
        var builder = new StreamsBuilder();
        var observed = builder.Stream("in", Consumed.With(Serdes.String, Serdes.String)).AsObservable();
        using var subscription = observed.Subscribe(_ => throw new InvalidOperationException("observer broke"));
        using var driver = new Platform.Streams.Testing.TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        var error = Assert.ThrowsAny<Exception>(() => input.PipeInput("a", "one"));

        Assert.Contains("observer broke", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<int> CountRecordsAsync(string topic, int partitions, int expected)
    {
        using var consumer = new ConsumerBuilder<string?, string?>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = "count-" + topic }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var count = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null })
            {
                count++;
            }
        }

        // Nothing beyond what was emitted: the feed wrote each element once.
        while (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { Message: not null })
        {
            count++;
        }

        return count;
    }
}
