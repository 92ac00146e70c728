using System.Collections.Concurrent;
using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Two instances of one application: tasks move when one joins or leaves, standbys take over.</summary>
public sealed class RebalanceIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("words-input", 4);
        await _cluster.CreateTopicAsync("word-counts", 4);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static HashSet<TaskId> Active(KafkaStreams streams) => [.. streams.MetadataForLocalThreads().SelectMany(t => t.ActiveTasks)];

    private static HashSet<TaskId> Standby(KafkaStreams streams) => [.. streams.MetadataForLocalThreads().SelectMany(t => t.StandbyTasks)];

    private KafkaStreams Instance(string application, IKeyValueBytesStoreSupplier supplier, int standbys = 0, IStateRestoreListener? listener = null)
    {
        var config = _cluster.Config(application, _cluster.NewStateDir());
        config["num.standby.replicas"] = standbys.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var streams = new KafkaStreams(StreamsTestCluster.WordCount(supplier), config, _logging);
        if (listener is not null)
        {
            streams.SetGlobalStateRestoreListener(listener);
        }

        return streams;
    }

    [Fact]
    public async Task SecondInstance_JoinsAndLeaves_TasksMoveAndCountsStayRight()
    {
        using var first = Instance("rebalance", Stores.InMemoryKeyValueStore("counts"));
        first.Start();
        await _cluster.ProduceAsync("words-input", (null, "a b c d e f g h"), (null, "a b c d"));
        await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).GetValueOrDefault("d") == 2);
        await StreamsTestCluster.WaitUntilAsync(() => Active(first).Count == 8, "the first instance runs all 8 tasks");

        using (var second = Instance("rebalance", Stores.InMemoryKeyValueStore("counts")))
        {
            second.Start();
            await StreamsTestCluster.WaitUntilAsync(
                () => Active(first).Count == 4 && Active(second).Count == 4 && first.State == KafkaStreamsState.Running && second.State == KafkaStreamsState.Running,
                "the tasks split 4 and 4");
            Assert.Empty(Active(first).Intersect(Active(second)));

            await _cluster.ProduceAsync("words-input", (null, "a b c d e f g h"));
            // Words of different partitions arrive in any order: wait for each one's count (a wrong count times out).
            var expected = new Dictionary<string, long> { ["a"] = 3, ["d"] = 3, ["e"] = 2, ["h"] = 2 };
            var counts = StreamsTestCluster.Latest(await _cluster.ReadUntilAsync("word-counts", r => expected.All(e => StreamsTestCluster.Latest(r).GetValueOrDefault(e.Key) == e.Value)));
            Assert.All(expected, e => Assert.Equal(e.Value, counts[e.Key]));
        }

        await StreamsTestCluster.WaitUntilAsync(() => Active(first).Count == 8 && first.State == KafkaStreamsState.Running, "the first instance takes all tasks back");
        await _cluster.ProduceAsync("words-input", (null, "a e"));
        var final = StreamsTestCluster.Latest(await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).GetValueOrDefault("a") == 4 && StreamsTestCluster.Latest(r).GetValueOrDefault("e") == 3));
        Assert.Equal(3, final["e"]);
    }

    private sealed class RestoreStarts : IStateRestoreListener
    {
        public ConcurrentQueue<(TopicPartition Partition, long Start, long End)> Starts { get; } = new();

        public void OnRestoreStart(TopicPartition partition, string storeName, long startOffset, long endOffset) => Starts.Enqueue((partition, startOffset, endOffset));

        public void OnBatchRestored(TopicPartition partition, string storeName, long nextOffset, long numRestored)
        {
        }

        public void OnRestoreEnd(TopicPartition partition, string storeName, long totalRestored)
        {
        }
    }

    [Fact]
    public async Task StandbyReplica_ActiveInstanceLeaves_StandbyTakesOverFromItsWarmState()
    {
        var restores = new RestoreStarts();
        using var survivor = Instance("standby", Stores.PersistentKeyValueStore("counts"), standbys: 1, listener: restores);
        using (var leaving = Instance("standby", Stores.PersistentKeyValueStore("counts"), standbys: 1))
        {
            survivor.Start();
            leaving.Start();
            await StreamsTestCluster.WaitUntilAsync(
                () => Active(survivor).Count + Active(leaving).Count == 8 && Standby(survivor).Count + Standby(leaving).Count == 4
                    && survivor.State == KafkaStreamsState.Running && leaving.State == KafkaStreamsState.Running,
                "8 active tasks and a standby of each of the 4 stateful ones");

            // Sub-topology 1 counts (stateful): each of its tasks has its standby on the other instance.
            Assert.Equal(Active(leaving).Where(t => t.Subtopology == 1).ToHashSet(), Standby(survivor));
            Assert.Equal(Active(survivor).Where(t => t.Subtopology == 1).ToHashSet(), Standby(leaving));

            await _cluster.ProduceAsync("words-input", (null, "a b c d e f g h"), (null, "a b c d e f g h"));
            await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).Count == 8 && StreamsTestCluster.Latest(r).Values.All(v => v == 2));
        }

        await StreamsTestCluster.WaitUntilAsync(() => Active(survivor).Count == 8 && survivor.State == KafkaStreamsState.Running, "the survivor runs every task");
        await _cluster.ProduceAsync("words-input", (null, "a b c d e f g h"));
        var counts = StreamsTestCluster.Latest(await _cluster.ReadUntilAsync("word-counts", r => StreamsTestCluster.Latest(r).Count == 8 && StreamsTestCluster.Latest(r).Values.All(v => v == 3)));
        Assert.All(counts.Values, v => Assert.Equal(3, v));

        // Every taken-over changelog partition was restored to its end before its task ran.
        Assert.NotEmpty(restores.Starts);
    }
}
