using System.Collections.Concurrent;
using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>A DSL count on its default (RocksDB) store: after a clean stop, a restart reads only the changelog's tail.</summary>
public sealed class DslRestoreIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("dsl-lines", 2);
        await _cluster.CreateTopicAsync("dsl-counts", 2);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private sealed class RestoreLog : IStateRestoreListener
    {
        public ConcurrentQueue<(TopicPartition Partition, string Store, long Start, long End)> Starts { get; } = new();

        public ConcurrentQueue<(TopicPartition Partition, long Total)> Ends { get; } = new();

        public void OnRestoreStart(TopicPartition partition, string storeName, long startOffset, long endOffset) => Starts.Enqueue((partition, storeName, startOffset, endOffset));

        public void OnBatchRestored(TopicPartition partition, string storeName, long nextOffset, long numRestored)
        {
        }

        public void OnRestoreEnd(TopicPartition partition, string storeName, long totalRestored) => Ends.Enqueue((partition, totalRestored));
    }

    private static Topology WordCount(DslStoreType? storeType)
    {
        var builder = new StreamsBuilder();
        var materialized = Materialized.As<string, long>("counts");
        builder.Stream("dsl-lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(storeType is { } type ? materialized.WithStoreType(type) : materialized)
            .ToStream()
            .To("dsl-counts", Produced.With(Serdes.String, Serdes.Int64));
        return builder.Build();
    }

    private static Topology WindowedWordCount()
    {
        var builder = new StreamsBuilder();
        builder.Stream("dsl-lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromHours(1)))
            .Count(Materialized.As<string, long>("wcounts"));
        return builder.Build();
    }

    private async Task<RestoreLog> RunWindowedAsync(string application, string stateDir, string line, params (string Word, long Count)[] expected)
    {
        var log = new RestoreLog();
        using var streams = new KafkaStreams(WindowedWordCount(), _cluster.Config(application, stateDir), _logging);
        streams.SetGlobalStateRestoreListener(log);
        streams.Start();
        await _cluster.ProduceAsync("dsl-lines", (null, line));

        // Record time is the wall clock: a run may straddle an hour, so the windows' counts are summed.
        await StreamsTestCluster.WaitUntilAsync(
            () => streams.State == KafkaStreamsState.Running && expected.All(e =>
                streams.Store<IReadOnlyWindowStore<string, long>>("wcounts").Fetch(e.Word, 0, long.MaxValue).Sum(w => w.Value) == e.Count),
            "windowed counts " + string.Join(", ", expected));
        streams.Close();
        return log;
    }

    private async Task<RestoreLog> RunAsync(string application, string stateDir, DslStoreType? storeType, string line, params (string Word, long Count)[] expected)
    {
        var log = new RestoreLog();
        using var streams = new KafkaStreams(WordCount(storeType), _cluster.Config(application, stateDir), _logging);
        streams.SetGlobalStateRestoreListener(log);
        streams.Start();
        await _cluster.ProduceAsync("dsl-lines", (null, line));
        await _cluster.ReadUntilAsync("dsl-counts", r => expected.All(e => StreamsTestCluster.Latest(r).GetValueOrDefault(e.Word) == e.Count));
        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
        var store = streams.Store<IReadOnlyKeyValueStore<string?, long>>("counts");
        foreach (var (word, count) in expected)
        {
            Assert.Equal(count, store.Get(word));
        }

        streams.Close();
        return log;
    }

    [Fact]
    public async Task Restart_DefaultDslStore_StartsAtTheCheckpointAndCountsOn()
    {
        var stateDir = _cluster.NewStateDir();
        await RunAsync("dsl-restore", stateDir, null, "a b a c a", ("a", 3), ("b", 1), ("c", 1));
        var files = Directory.EnumerateDirectories(Path.Combine(stateDir, "dsl-restore"), "counts", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.Equal("rocksdb", Path.GetFileName(Path.GetDirectoryName(f))));

        var second = await RunAsync("dsl-restore", stateDir, null, "a b", ("a", 4), ("b", 2), ("c", 1));

        // The clean close flushed RocksDB and checkpointed the changelog's end: the restart starts there and reads nothing.
        var counts = second.Starts.Where(s => s.Store == "counts").ToList();
        Assert.Equal(2, counts.Count);
        Assert.All(counts, s => Assert.Equal(s.End, s.Start));
        Assert.Contains(counts, s => s.Start > 0);
        Assert.Equal(0, second.Ends.Sum(e => e.Total));
    }

    [Fact]
    public async Task Restart_InMemoryDslStore_ReplaysTheWholeChangelog()
    {
        var stateDir = _cluster.NewStateDir();
        await RunAsync("dsl-restore-mem", stateDir, DslStoreType.InMemory, "a b a c a", ("a", 3), ("b", 1), ("c", 1));

        var second = await RunAsync("dsl-restore-mem", stateDir, DslStoreType.InMemory, "a b", ("a", 4), ("b", 2), ("c", 1));

        Assert.All(second.Starts.Where(s => s.Store == "counts"), s => Assert.Equal(0, s.Start));
        Assert.True(second.Ends.Sum(e => e.Total) >= 3);
    }

    [Fact]
    public async Task Restart_DefaultWindowedStore_StartsAtTheCheckpointAndCountsOn()
    {
        var stateDir = _cluster.NewStateDir();
        await RunWindowedAsync("dsl-restore-win", stateDir, "a b a", ("a", 2), ("b", 1));

        var second = await RunWindowedAsync("dsl-restore-win", stateDir, "a c", ("a", 3), ("b", 1), ("c", 1));

        var windows = second.Starts.Where(s => s.Store == "wcounts").ToList();
        Assert.Equal(2, windows.Count);
        Assert.All(windows, s => Assert.Equal(s.End, s.Start));
        Assert.Contains(windows, s => s.Start > 0);
        Assert.Equal(0, second.Ends.Sum(e => e.Total));
    }
}
