using System.Text;
using Platform.Client;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Tests.Engine;

public sealed class StreamTaskTests
{
    private static Topology TwoTopicPassThrough() => new Topology()
        .AddSource("left", Serdes.String, Serdes.String, "left")
        .AddSource("right", Serdes.String, Serdes.String, "right")
        .AddProcessor("merge", () => new UpperCaseProcessor(), "left", "right")
        .AddSink("sink", "out", Serdes.String, Serdes.String, null, "merge");

    private static List<string> Values(ListRecordCollector collector, string topic)
        => collector.To(topic).Select(s => Encoding.UTF8.GetString(s.Value!)).ToList();

    [Fact]
    public void Process_TwoPartitions_TakesTheSmallestTimestampFirst()
    {
        var harness = new TaskHarness(TwoTopicPassThrough(), new StreamsConfig(), new TaskId(0, 3), new("left", 3), new("right", 3));

        harness.Add("left", 3, 0, "k", "l1", 10);
        harness.Add("left", 3, 1, "k", "l2", 30);
        harness.Add("right", 3, 0, "k", "r1", 20);
        harness.Add("right", 3, 1, "k", "r2", 40);
        while (harness.Task.Process())
        {
        }

        Assert.Equal(["L1", "R1", "L2", "R2"], Values(harness.Collector, "out"));
        Assert.Equal(40, harness.Task.StreamTime);
    }

    [Fact]
    public void IsProcessable_OnePartitionEmpty_WaitsForMaxTaskIdle()
    {
        var config = new StreamsConfig { MaxTaskIdleMs = 100 };
        var harness = new TaskHarness(TwoTopicPassThrough(), config, new TaskId(0, 0), new("left", 0), new("right", 0));

        harness.Add("left", 0, 0, "k", "l1", 10);

        Assert.False(harness.Task.IsProcessable(1000));
        Assert.False(harness.Task.IsProcessable(1099));
        Assert.True(harness.Task.IsProcessable(1100));
        harness.Add("right", 0, 0, "k", "r1", 5);
        Assert.True(harness.Task.IsProcessable(1100));
    }

    [Fact]
    public void PrepareCommit_AfterProcessing_ReturnsNextOffsetPerProgressedPartition()
    {
        var harness = new TaskHarness(TwoTopicPassThrough(), new StreamsConfig(), new TaskId(0, 1), new("left", 1), new("right", 1));
        harness.Add("left", 1, 7, "k", "a", 1);
        harness.Add("left", 1, 8, "k", "b", 2);
        while (harness.Task.Process())
        {
        }

        Assert.True(harness.Task.CommitNeeded);
        var offsets = harness.Task.PrepareCommit();
        harness.Task.PostCommit();

        Assert.Equal([new TopicPartitionOffset("left", 1, 9)], offsets);
        Assert.False(harness.Task.CommitNeeded);
        Assert.Empty(harness.Task.PrepareCommit());
    }

    [Fact]
    public void AddRecord_SinglePartition_ProcessesAtOnceWithoutBuffering()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddProcessor("upper", () => new UpperCaseProcessor(), "source")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "upper");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 2), new TopicPartition("in", 2));

        harness.Add("in", 2, 0, "k", "x", 5);

        Assert.Equal(0, harness.Task.BufferedCount);
        Assert.Equal(["X"], Values(harness.Collector, "out"));
        Assert.Equal(-1, harness.Collector.To("out")[0].Partition);
    }

    [Fact]
    public void Commit_CachingStore_FlushesOnlyTheLatestValueWithOldValueToTheListener()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "words")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count");
        var harness = new TaskHarness(topology, new StreamsConfig { ApplicationId = "app" }, new TaskId(0, 0), new TopicPartition("words", 0));
        var store = (ICachedStateStore<string, long>)harness.Task.Stores["counts"];
        var flushed = new List<string>();
        Assert.True(store.SetFlushListener((key, newValue, oldValue, timestamp, _) => flushed.Add($"{key}:{oldValue}->{newValue}@{timestamp}"), sendOldValues: true));

        harness.Add("words", 0, 0, "a", "", 1);
        harness.Add("words", 0, 1, "a", "", 2);
        harness.Add("words", 0, 2, "b", "", 3);
        harness.Add("words", 0, 3, "a", "", 4);

        Assert.Empty(harness.Collector.To("app-counts-changelog"));
        Assert.Empty(flushed);
        harness.Task.PrepareCommit();
        harness.Task.PostCommit();

        Assert.Equal(["b:0->1@3", "a:0->3@4"], flushed);
        Assert.Equal(2, harness.Collector.To("app-counts-changelog").Count);

        harness.Add("words", 0, 4, "a", "", 5);
        harness.Task.PrepareCommit();
        Assert.Equal("a:3->4@5", flushed[^1]);
    }

    [Fact]
    public void Put_CacheOfZeroBytes_EvictsAndFlushesAtOnce()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "words")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count");
        var harness = new TaskHarness(topology, new StreamsConfig { ApplicationId = "app", StateStoreCacheMaxBytes = 0 }, new TaskId(0, 0), new TopicPartition("words", 0));

        harness.Add("words", 0, 0, "a", "", 1);
        harness.Add("words", 0, 1, "a", "", 2);

        Assert.Equal(2, harness.Collector.To("app-counts-changelog").Count);
        Assert.Equal(0, harness.Cache.SizeBytes);
    }

    [Fact]
    public void Registration_Restore_RebuildsTheStoreFromChangelogRecords()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("stamp", () => new TimestampedWriter("stamped"), "source")
            .AddStateStore(Stores.TimestampedKeyValueStoreBuilder(Stores.InMemoryKeyValueStore("stamped"), Serdes.String, Serdes.String), "stamp");
        var first = new TaskHarness(topology, new StreamsConfig { ApplicationId = "app" }, new TaskId(0, 5), new TopicPartition("input", 5));
        first.Add("input", 5, 0, "k1", "v1", 100);
        first.Add("input", 5, 1, "k2", "v2", 200);
        first.Add("input", 5, 2, "k1", "v3", 300);
        first.Task.PrepareCommit();
        var changelog = first.Collector.To("app-stamped-changelog");
        Assert.All(changelog, c => Assert.Equal(5, c.Partition));

        var second = new TaskHarness(topology, new StreamsConfig { ApplicationId = "app" }, new TaskId(0, 5), new TopicPartition("input", 5));
        var registration = Assert.Single(second.Task.Registrations);
        Assert.Equal("app-stamped-changelog", registration.ChangelogTopic);
        Assert.Equal(5, registration.ChangelogPartition);
        foreach (var record in changelog)
        {
            registration.Restore(record.Key!, record.Value, record.Timestamp);
        }

        var store = (ITimestampedKeyValueStore<string, string>)second.Task.Stores["stamped"];
        Assert.Equal(new ValueAndTimestamp<string>("v3", 300), store.Get("k1"));
        Assert.Equal(new ValueAndTimestamp<string>("v2", 200), store.Get("k2"));
        Assert.Empty(second.Collector.Sent);
    }

    [Fact]
    public void Close_Clean_FlushesCachedWritesBeforeClosingStores()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "words")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count");
        var harness = new TaskHarness(topology, new StreamsConfig { ApplicationId = "app" }, new TaskId(0, 0), new TopicPartition("words", 0));
        harness.Add("words", 0, 0, "a", "", 1);

        harness.Task.Close(clean: true);

        Assert.Single(harness.Collector.To("app-counts-changelog"));
        Assert.False(harness.Task.Stores["counts"].IsOpen);
    }
}
