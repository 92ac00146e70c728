using Platform.Examples.WordCount;
using Platform.Streams.Processors;
using Platform.Streams.State;
using Platform.Streams.Tests.Examples;

namespace Platform.Streams.Tests.Runtime;

/// <summary>
/// The DSL word count (the WordCount example's topology) across restarts and rebalances: state restored from the
/// changelog, tasks moving between two instances, a standby replica taking over (with a RocksDB store, from its tail).
/// </summary>
public sealed class DslStateIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync(WordCountTopology.InputTopic, 4);
        await _cluster.CreateTopicAsync(WordCountTopology.OutputTopic, 4);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static HashSet<TaskId> Active(KafkaStreams streams) => [.. streams.MetadataForLocalThreads().SelectMany(t => t.ActiveTasks)];

    private static HashSet<TaskId> Standby(KafkaStreams streams) => [.. streams.MetadataForLocalThreads().SelectMany(t => t.StandbyTasks)];

    private KafkaStreams Instance(string application, string stateDir, RestoreRecorder? restores = null, int standbys = 0, Topology? topology = null)
    {
        var config = _cluster.Config(application, stateDir);
        config["num.standby.replicas"] = standbys.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var streams = new KafkaStreams(topology ?? WordCountTopology.Build(), config, _logging);
        if (restores is not null)
        {
            streams.SetGlobalStateRestoreListener(restores);
        }

        return streams;
    }

    private Task ProduceLinesAsync(params string[] lines)
        => TextRecords.ProduceAsync(_cluster.BootstrapServers, WordCountTopology.InputTopic, [.. lines.Select((l, i) => ((string?)null, (string?)l, (long)i + 1))]);

    private async Task<Dictionary<string, string?>> CountsAsync(Dictionary<string, string?> expected)
        => TextRecords.Latest(await TextRecords.ReadUntilAsync(
            _cluster.BootstrapServers,
            WordCountTopology.OutputTopic,
            r => expected.All(e => TextRecords.Latest(r).GetValueOrDefault(e.Key) == e.Value)));

    [Fact]
    public async Task Restart_StateLost_RestoresTheWholeChangelogAndCountsGoOn()
    {
        var changelog = "dsl-restore-counts-changelog";
        using (var first = Instance("dsl-restore", _cluster.NewStateDir()))
        {
            first.Start();
            await ProduceLinesAsync("a b a", "c a");
            await CountsAsync(new() { ["a"] = "3", ["b"] = "1", ["c"] = "1" });
        }

        // A new machine (empty state directory): every store is rebuilt from its changelog, from offset 0.
        var stateDir = _cluster.NewStateDir();
        var restores = new RestoreRecorder();
        using (var second = Instance("dsl-restore", stateDir, restores))
        {
            second.Start();
            await ProduceLinesAsync("a b");
            await CountsAsync(new() { ["a"] = "4", ["b"] = "2" });
            Assert.Contains(restores.Starts, s => s.Partition.Topic == changelog && s.Start == 0 && s.End > 0);
            Assert.Equal(3, restores.Ends.Where(e => e.Partition.Topic == changelog).Sum(e => e.Restored));
        }

        // The same machine after a clean close: counts go on from the restored state.
        using var third = Instance("dsl-restore", stateDir);
        third.Start();
        await ProduceLinesAsync("a");
        await CountsAsync(new() { ["a"] = "5" });
    }

    [Fact]
    public async Task SecondInstance_JoinsAndLeaves_TasksMoveBothWaysAndCountsContinue()
    {
        using var first = Instance("dsl-rebalance", _cluster.NewStateDir());
        first.Start();
        await ProduceLinesAsync("a b c d e f g h");
        await CountsAsync(new() { ["a"] = "1", ["h"] = "1" });
        await StreamsTestCluster.WaitUntilAsync(() => Active(first).Count == 8 && first.State == KafkaStreamsState.Running, "the first instance runs all 8 tasks");

        using (var second = Instance("dsl-rebalance", _cluster.NewStateDir()))
        {
            second.Start();
            await StreamsTestCluster.WaitUntilAsync(
                () => Active(first).Count == 4 && Active(second).Count == 4 && first.State == KafkaStreamsState.Running && second.State == KafkaStreamsState.Running,
                "the tasks split 4 and 4");
            Assert.Empty(Active(first).Intersect(Active(second)));

            // The moved counting tasks restored their counts: every word goes on from 1, wherever it lives now.
            await ProduceLinesAsync("a b c d e f g h");
            await CountsAsync(new() { ["a"] = "2", ["b"] = "2", ["c"] = "2", ["d"] = "2", ["e"] = "2", ["f"] = "2", ["g"] = "2", ["h"] = "2" });
        }

        await StreamsTestCluster.WaitUntilAsync(() => Active(first).Count == 8 && first.State == KafkaStreamsState.Running, "the first instance takes every task back");
        await ProduceLinesAsync("a h");
        var counts = await CountsAsync(new() { ["a"] = "3", ["h"] = "3" });
        Assert.Equal("2", counts["d"]);
    }

    [Fact]
    public async Task StandbyReplica_ActiveLeaves_TakenOverCountsGoOnFromTheFullState()
    {
        using var survivor = Instance("dsl-standby", _cluster.NewStateDir(), standbys: 1);
        HashSet<TaskId> movedTasks;
        using (var leaving = Instance("dsl-standby", _cluster.NewStateDir(), standbys: 1))
        {
            survivor.Start();
            leaving.Start();
            await StreamsTestCluster.WaitUntilAsync(
                () => Active(survivor).Count + Active(leaving).Count == 8 && Standby(survivor).Count + Standby(leaving).Count == 4
                    && survivor.State == KafkaStreamsState.Running && leaving.State == KafkaStreamsState.Running,
                "8 active tasks and a standby of each of the 4 counting tasks");
            movedTasks = [.. Active(leaving).Where(t => t.Subtopology == 1)];
            Assert.Equal(movedTasks, Standby(survivor));
            for (var round = 1; round <= 5; round++)
            {
                await ProduceLinesAsync("a b c d e f g h");
                await CountsAsync(new() { ["a"] = $"{round}", ["h"] = $"{round}" });
            }
        }

        await StreamsTestCluster.WaitUntilAsync(() => Active(survivor).Count == 8 && survivor.State == KafkaStreamsState.Running, "the survivor runs every task");
        await ProduceLinesAsync("a b c d e f g h");

        // Every word, on a moved task or not, goes on from 5: the promoted standby's store is complete.
        var counts = await CountsAsync(new() { ["a"] = "6", ["b"] = "6", ["c"] = "6", ["d"] = "6", ["e"] = "6", ["f"] = "6", ["g"] = "6", ["h"] = "6" });
        Assert.Equal(8, counts.Count);
    }

    [Fact]
    public async Task StandbyReplica_PersistentStoreActiveLeaves_TakeoverRestoresOnlyTheTail()
    {
        var changelog = "papi-standby-counts-changelog";
        var restores = new RestoreRecorder();
        using var survivor = Instance("papi-standby", _cluster.NewStateDir(), restores, standbys: 1, StreamsTestCluster.WordCount(Stores.PersistentKeyValueStore("counts")));
        HashSet<TaskId> movedTasks;
        using (var leaving = Instance("papi-standby", _cluster.NewStateDir(), standbys: 1, topology: StreamsTestCluster.WordCount(Stores.PersistentKeyValueStore("counts"))))
        {
            survivor.Start();
            leaving.Start();
            await StreamsTestCluster.WaitUntilAsync(
                () => Active(survivor).Count + Active(leaving).Count == 8 && Standby(survivor).Count + Standby(leaving).Count == 4
                    && survivor.State == KafkaStreamsState.Running && leaving.State == KafkaStreamsState.Running,
                "8 active tasks and a standby of each of the 4 counting tasks");
            movedTasks = [.. Active(leaving).Where(t => t.Subtopology == 1)];

            // Many updates per word, so the changelog is long and a full restore would show.
            for (var round = 1; round <= 10; round++)
            {
                await ProduceLinesAsync("a b c d e f g h");
                await _cluster.ReadUntilAsync(WordCountTopology.OutputTopic, r => StreamsTestCluster.Latest(r).GetValueOrDefault("a") == round && StreamsTestCluster.Latest(r).GetValueOrDefault("h") == round);
            }
        }

        await StreamsTestCluster.WaitUntilAsync(() => Active(survivor).Count == 8 && survivor.State == KafkaStreamsState.Running, "the survivor runs every task");
        await ProduceLinesAsync("a b c d e f g h");
        var counts = StreamsTestCluster.Latest(await _cluster.ReadUntilAsync(WordCountTopology.OutputTopic, r => StreamsTestCluster.Latest(r).Count == 8 && StreamsTestCluster.Latest(r).Values.All(v => v == 11)));
        Assert.All(counts.Values, v => Assert.Equal(11, v));

        // Each taken-over store started from what its standby had applied, not from offset 0. (Only the survivor
        // listens, and only active restores are reported: these are the takeovers. A slow heartbeat can move a task
        // earlier than planned and back, while its changelog is still short: the last restore of each is the takeover.
        // It can also move it early for good: then its changelog held a few records, of which a standby a record or two
        // behind restores half, so there a start past 0 is the proof; on a long changelog only the tail is restored.)
        var takeovers = restores.Starts.Where(s => s.Partition.Topic == changelog && s.End > 0 && movedTasks.Contains(new TaskId(1, s.Partition.Partition)))
            .GroupBy(s => s.Partition).Select(g => g.Last()).ToList();
        Assert.Equal(movedTasks.Count, takeovers.Count);
        Assert.All(takeovers, s => Assert.True(s.Start > 0 && (s.End < 10 || s.End - s.Start < s.End / 2), $"{s.Partition} restored from {s.Start} of {s.End}"));
    }
}
