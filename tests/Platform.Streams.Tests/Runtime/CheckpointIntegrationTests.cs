using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>
/// Commit and checkpoint are apart, as in Kafka: a commit flushes the record caches (changelog and downstream)
/// but leaves RocksDB's memtable alone; the stores are flushed and the checkpoint written only past the
/// checkpoint threshold or on close.
/// </summary>
public sealed class CheckpointIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StreamsTestCluster.StartAsync();
        await _cluster.CreateTopicAsync("ckpt-lines", 1);
        await _cluster.CreateTopicAsync("ckpt-counts", 1);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static Topology WordCount()
    {
        var builder = new StreamsBuilder();
        builder.Stream("ckpt-lines", Consumed.With(Serdes.String, Serdes.String))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("counts").WithStoreType(DslStoreType.Persistent))
            .ToStream()
            .To("ckpt-counts", Produced.With(Serdes.String, Serdes.Int64));
        return builder.Build();
    }

    [Fact]
    public async Task Commits_BelowTheCheckpointThreshold_FlushCachesButNotRocksDb()
    {
        var stateDir = _cluster.NewStateDir();
        var taskDir = Path.Combine(stateDir, "ckpt", "0_0");
        var storeDir = Path.Combine(taskDir, "rocksdb", "counts");
        using (var streams = new KafkaStreams(WordCount(), _cluster.Config("ckpt", stateDir), _logging))
        {
            streams.Start();
            for (var round = 1; round <= 4; round++)
            {
                // Each round waits for its counts downstream: the cache was flushed by a commit (100 ms apart).
                await _cluster.ProduceAsync("ckpt-lines", ("a", "x"), ("b", "x"));
                await _cluster.ReadUntilAsync("ckpt-counts", r => StreamsTestCluster.Latest(r).GetValueOrDefault("a") == round && StreamsTestCluster.Latest(r).GetValueOrDefault("b") == round);
            }

            Assert.True(Directory.Exists(storeDir));
            Assert.Empty(Directory.EnumerateFiles(storeDir, "*.sst"));
            Assert.False(File.Exists(Path.Combine(taskDir, ".checkpoint")));
        }

        // The clean close flushed the store to disk and then checkpointed the changelog's end.
        Assert.NotEmpty(Directory.EnumerateFiles(storeDir, "*.sst"));
        var checkpoint = File.ReadAllText(Path.Combine(taskDir, ".checkpoint"));
        Assert.Contains("ckpt-counts-changelog 0 ", checkpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_OnAnotherClusterWithTheSameStateDir_CheckpointPastTheChangelogEnd_StoreIsRebuiltNotReused()
    {
        var stateDir = _cluster.NewStateDir();
        using (var streams = new KafkaStreams(WordCount(), _cluster.Config("ckpt", stateDir), _logging))
        {
            streams.Start();
            await _cluster.ProduceAsync("ckpt-lines", ("a", "x"), ("a", "x"), ("a", "x"));
            await _cluster.ReadUntilAsync("ckpt-counts", r => StreamsTestCluster.Latest(r).GetValueOrDefault("a") == 3);
        }

        Assert.Contains("ckpt-counts-changelog 0 ", File.ReadAllText(Path.Combine(stateDir, "ckpt", "0_0", ".checkpoint")), StringComparison.Ordinal);

        // A fresh cluster (as after the broker's data was deleted): the changelog is empty, the checkpoint says 3.
        await using var fresh = await StreamsTestCluster.StartAsync();
        await fresh.CreateTopicAsync("ckpt-lines", 1);
        await fresh.CreateTopicAsync("ckpt-counts", 1);
        using (var streams = new KafkaStreams(WordCount(), fresh.Config("ckpt", stateDir), _logging))
        {
            streams.Start();
            await fresh.ProduceAsync("ckpt-lines", ("a", "x"));
            var counts = await fresh.ReadUntilAsync("ckpt-counts", r => r.Count > 0);
            Assert.Equal([("a", 1L)], counts);
        }
    }

    [Fact]
    public async Task GlobalStore_RestartOnAnotherCluster_CheckpointPastTheTopicsEnd_StoreHoldsOnlyTheNewTopic()
    {
        static Topology Global()
        {
            var builder = new StreamsBuilder();
            builder.GlobalTable("ckpt-global", Consumed.With(Serdes.String, Serdes.String), Materialized.As<string, string>("global-store").WithStoreType(DslStoreType.Persistent));
            return builder.Build();
        }

        var stateDir = _cluster.NewStateDir();
        await _cluster.CreateTopicAsync("ckpt-global", 1);
        await _cluster.ProduceAsync("ckpt-global", ("old-1", "a"), ("old-2", "b"), ("old-3", "c"));
        using (var streams = new KafkaStreams(Global(), _cluster.Config("ckpt-g", stateDir), _logging))
        {
            streams.Start();
            await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
            Assert.Equal(3, streams.Store<IReadOnlyKeyValueStore<string, string>>("global-store").All().Count());
        }

        // A fresh cluster: the topic holds one record, the checkpoint says 3.
        await using var fresh = await StreamsTestCluster.StartAsync();
        await fresh.CreateTopicAsync("ckpt-global", 1);
        await fresh.ProduceAsync("ckpt-global", ("new-1", "d"));
        using (var streams = new KafkaStreams(Global(), fresh.Config("ckpt-g", stateDir), _logging))
        {
            streams.Start();
            await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
            var entries = streams.Store<IReadOnlyKeyValueStore<string, string>>("global-store").All().Select(e => (e.Key, e.Value)).ToList();
            Assert.Equal([("new-1", "d")], entries);
        }
    }
}
