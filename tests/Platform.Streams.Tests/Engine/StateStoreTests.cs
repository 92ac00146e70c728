using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class StateStoreTests
{
    private static Topology CountingTopology(Func<IStoreBuilder<IKeyValueStore<string, long>>, IStoreBuilder<IKeyValueStore<string, long>>>? configure = null)
    {
        var builder = Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64);
        return new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "words")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddStateStore(configure is null ? builder : configure(builder), "count")
            .AddSink("sink", "counts-out", Serdes.String, Serdes.Int64, null, "count");
    }

    [Fact]
    public void Process_CountingProcessor_StoreAndOutputHoldCounts()
    {
        using var driver = new TopologyTestDriver(CountingTopology());
        var input = driver.CreateInputTopic("words", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64);

        input.PipeKeyValueList([new("a", ""), new("b", ""), new("a", "")]);

        Assert.Equal(["a=1", "b=1", "a=2"], output.ReadKeyValuesToList().Select(kv => $"{kv.Key}={kv.Value}"));
        var store = driver.GetKeyValueStore<string, long>("counts");
        Assert.Equal(2, store.Get("a"));
        Assert.False(store.TryGet("missing", out _));
    }

    [Fact]
    public void Put_LoggingEnabled_WritesEveryChangeToTheChangelogTopic()
    {
        var config = new StreamsConfig { ApplicationId = "wc" };
        using var driver = new TopologyTestDriver(CountingTopology(b => b.WithCachingDisabled()), config);
        var input = driver.CreateInputTopic("words", Serdes.String, Serdes.String);
        var changelog = driver.CreateOutputTopic("wc-counts-changelog", Serdes.String, Serdes.Int64);

        input.PipeInput("a", "", 10);
        input.PipeInput("a", "", 20);

        var records = changelog.ReadRecordsToList();
        Assert.Equal([("a", 1L, 10L), ("a", 2L, 20L)], records.Select(r => (r.Key, r.Value, r.Timestamp)));
    }

    [Fact]
    public void Put_LoggingDisabled_WritesNoChangelog()
    {
        using var driver = new TopologyTestDriver(CountingTopology(b => b.WithLoggingDisabled()), new StreamsConfig { ApplicationId = "wc" });
        var input = driver.CreateInputTopic("words", Serdes.String, Serdes.String);

        input.PipeInput("a", "");

        Assert.DoesNotContain("wc-counts-changelog", driver.ProducedTopicNames);
        Assert.Contains("counts-out", driver.ProducedTopicNames);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void Put_TwiceInOneRecord_CachingSendsOnlyTheLatestToTheChangelog(bool caching, int expectedChangelogRecords)
    {
        var builder = Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("latest"), Serdes.String, Serdes.String);
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("write", () => new DoubleWriteProcessor("latest"), "source")
            .AddStateStore(caching ? builder.WithCachingEnabled() : builder.WithCachingDisabled(), "write");
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "app" });
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var changelog = driver.CreateOutputTopic("app-latest-changelog", Serdes.String, Serdes.String);

        input.PipeInput("k", "v1");

        var values = changelog.ReadValuesToList();
        Assert.Equal(expectedChangelogRecords, values.Count);
        Assert.Equal("v1", values[^1]);
        Assert.Equal("v1", driver.GetKeyValueStore<string, string>("latest").Get("k"));
    }

    [Fact]
    public void Range_InMemoryStore_FollowsSerializedKeyOrderInclusive()
    {
        using var driver = new TopologyTestDriver(CountingTopology());
        var store = driver.GetKeyValueStore<string, long>("counts");
        foreach (var key in new[] { "d", "a", "c", "b", "e" })
        {
            store.Put(key, key[0]);
        }

        Assert.Equal(["b", "c", "d"], store.Range("b", "d").Select(kv => kv.Key));
        Assert.Equal(["d", "c", "b"], store.ReverseRange("b", "d").Select(kv => kv.Key));
        Assert.Equal(["a", "b", "c", "d", "e"], store.All().Select(kv => kv.Key));
        Assert.Equal(["e", "d", "c", "b", "a"], store.ReverseAll().Select(kv => kv.Key));
        Assert.Empty(store.Range("d", "b"));
        Assert.Equal(5, store.ApproximateNumEntries);
        Assert.Equal((long)'c', store.Delete("c"));
        Assert.Equal(["a", "b", "d", "e"], store.All().Select(kv => kv.Key));
    }

    [Fact]
    public void PutIfAbsent_ExistingKey_KeepsTheOldValue()
    {
        using var driver = new TopologyTestDriver(CountingTopology());
        var store = driver.GetKeyValueStore<string, long>("counts");

        Assert.Equal(0, store.PutIfAbsent("a", 1));
        Assert.Equal(1, store.PutIfAbsent("a", 2));
        Assert.Equal(1, store.Get("a"));
    }

    [Fact]
    public void GetStateStore_NotConnected_ThrowsNamingProcessorAndStore()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "words")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddProcessor("other", () => new UpperCaseProcessor(), "source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "other");

        var error = Assert.ThrowsAny<Exception>(() => new TopologyTestDriver(topology));

        Assert.Contains("'count'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("'counts'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TimestampedStore_Changelog_HoldsPlainValueWithTheValuesTimestamp()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("stamp", () => new TimestampedWriter("stamped"), "source")
            .AddStateStore(Stores.TimestampedKeyValueStoreBuilder(Stores.InMemoryKeyValueStore("stamped"), Serdes.String, Serdes.String).WithCachingDisabled(), "stamp");
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "app" });
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var changelog = driver.CreateOutputTopic("app-stamped-changelog", Serdes.String, Serdes.String);

        input.PipeInput("k", "v", 1234);

        var record = changelog.ReadRecord();
        Assert.Equal(("k", "v", 1234L), (record.Key, record.Value, record.Timestamp));
        Assert.Equal(new ValueAndTimestamp<string>("v", 1234), driver.GetTimestampedKeyValueStore<string, string>("stamped").Get("k"));
        Assert.Equal("v", driver.GetKeyValueStore<string, string>("stamped").Get("k"));
    }

    [Fact]
    public void GlobalStore_RecordsOnItsTopic_AreReadableFromEveryTask()
    {
        var topology = new Topology()
            .AddGlobalStore(
                Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("customers"), Serdes.String, Serdes.String).WithLoggingDisabled(),
                "customers-source",
                Serdes.String,
                Serdes.String,
                "customers",
                "customers-writer",
                () => new GlobalStoreWriter("customers"))
            .AddSource("orders", Serdes.String, Serdes.String, "orders")
            .AddProcessor("enrich", () => new EnrichProcessor("customers"), "orders")
            .AddSink("sink", "enriched", Serdes.String, Serdes.String, null, "enrich");
        using var driver = new TopologyTestDriver(topology);
        var customers = driver.CreateInputTopic("customers", Serdes.String, Serdes.String);
        var orders = driver.CreateInputTopic("orders", Serdes.String, Serdes.String);
        var enriched = driver.CreateOutputTopic("enriched", Serdes.String, Serdes.String);

        orders.PipeInput("c1", "order-1");
        customers.PipeInput("c1", "Alice");
        orders.PipeInput("c1", "order-2");

        Assert.Equal(["order-1 for (unknown)", "order-2 for Alice"], enriched.ReadValuesToList());
    }

    [Fact]
    public void AddGlobalStore_LoggingEnabled_ThrowsNamingTheStore()
    {
        var error = Assert.Throws<Errors.TopologyException>(() => new Topology().AddGlobalStore(
            Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("g"), Serdes.String, Serdes.String),
            "s",
            Serdes.String,
            Serdes.String,
            "t",
            "p",
            () => new GlobalStoreWriter("g")));

        Assert.Contains("'g'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadOnlyStateStore_SourceTopic_IsTheStoresChangelog()
    {
        var topology = new Topology().AddReadOnlyStateStore(
            Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("mirror"), Serdes.String, Serdes.String),
            "mirror-source",
            Serdes.String,
            Serdes.String,
            "mirror-topic",
            "mirror-writer",
            () => new GlobalStoreWriter("mirror"));
        var metadata = topology.Build(new StreamsConfig { ApplicationId = "app" });

        Assert.Equal("mirror-topic", metadata.Subtopologies[0].ChangelogTopics["mirror"]);
        Assert.DoesNotContain("app-mirror-changelog", metadata.InternalTopics.Keys);
        using var driver = new TopologyTestDriver(topology);
        driver.CreateInputTopic("mirror-topic", Serdes.String, Serdes.String).PipeInput("k", "v");
        Assert.Equal("v", driver.GetKeyValueStore<string, string>("mirror").Get("k"));
    }
}
