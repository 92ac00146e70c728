using System.Collections.Concurrent;
using System.Text;
using Platform.Client;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Stores restored from their changelogs after a restart: in-memory ones in full, RocksDB ones from their checkpoint.</summary>
public sealed class RestoreIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
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

    private sealed class RestoreLog : IStateRestoreListener
    {
        public ConcurrentQueue<(TopicPartition Partition, long Start, long End)> Starts { get; } = new();

        public ConcurrentQueue<(TopicPartition Partition, long Total)> Ends { get; } = new();

        public void OnRestoreStart(TopicPartition partition, string storeName, long startOffset, long endOffset) => Starts.Enqueue((partition, startOffset, endOffset));

        public void OnBatchRestored(TopicPartition partition, string storeName, long nextOffset, long numRestored)
        {
        }

        public void OnRestoreEnd(TopicPartition partition, string storeName, long totalRestored) => Ends.Enqueue((partition, totalRestored));
    }

    private async Task<RestoreLog> RunAsync(IKeyValueBytesStoreSupplier supplier, string application, string stateDir, string line, string word, long expected)
    {
        var log = new RestoreLog();
        using var streams = new KafkaStreams(StreamsTestCluster.WordCount(supplier), _cluster.Config(application, stateDir), _logging);
        streams.SetGlobalStateRestoreListener(log);
        streams.Start();
        await _cluster.ProduceAsync("words-input", (null, line));
        await _cluster.ReadUntilAsync("word-counts", r => r.Contains((word, expected)));
        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
        Assert.Equal(expected, streams.Store<IReadOnlyKeyValueStore<string?, long>>(supplier.Name).Get(word));
        streams.Close();
        return log;
    }

    [Fact]
    public async Task Restart_InMemoryStore_RestoresEveryChangelogRecordAndCountsOn()
    {
        var stateDir = _cluster.NewStateDir();
        await RunAsync(Stores.InMemoryKeyValueStore("counts"), "restore-mem", stateDir, "a b a c a", "a", 3);

        var second = await RunAsync(Stores.InMemoryKeyValueStore("counts"), "restore-mem", stateDir, "a", "a", 4);

        // The record cache collapsed a=1, a=2, a=3 of one commit interval into a=3: the changelog holds a, b and c,
        // and an in-memory store replays all of it.
        Assert.Equal(3, second.Ends.Sum(e => e.Total));
        Assert.All(second.Starts, s => Assert.Equal(0, s.Start));
    }

    [Fact]
    public async Task Restart_RocksDbStore_ReplaysOnlyTheChangelogTailAfterItsCheckpoint()
    {
        var stateDir = _cluster.NewStateDir();
        await RunAsync(Stores.PersistentKeyValueStore("counts"), "restore-rocks", stateDir, "a b a c a", "a", 3);

        // A record the store has not seen, appended to the changelog after the clean close wrote the checkpoint.
        // A word of the same partition as "a", whose changelog partition has a checkpoint.
        var partition = DefaultPartitioner.Partition("a"u8, 2);
        var word = new[] { "zebra", "zulu", "zed", "zoo", "zip", "zap" }.First(w => DefaultPartitioner.Partition(Encoding.UTF8.GetBytes(w), 2) == partition);
        var key = Encoding.UTF8.GetBytes(word);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(
                new TopicPartition("restore-rocks-counts-changelog", partition),
                new Message<byte[]?, byte[]?> { Key = key, Value = Serdes.Int64.Serialize(41, default) });
        }

        var second = await RunAsync(Stores.PersistentKeyValueStore("counts"), "restore-rocks", stateDir, word, word, 42);

        Assert.Equal(1, second.Ends.Sum(e => e.Total));
        Assert.Contains(second.Starts, s => s.Partition.Partition == partition && s.Start > 0 && s.End == s.Start + 1);
    }
}
