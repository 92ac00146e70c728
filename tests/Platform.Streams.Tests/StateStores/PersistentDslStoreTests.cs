using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.StateStores;

/// <summary>DSL stores are persistent (RocksDB, under the task's folder) unless the option or <c>default.dsl.store</c> asks for memory.</summary>
public sealed class PersistentDslStoreTests : IDisposable
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "dsl-stores-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    private static Topology WordCount(Materialized<string, long> materialized, StreamsConfig config)
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Strings)
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(materialized)
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        return builder.Build(config);
    }

    private StreamsConfig Config(string? dslStore = null)
    {
        var config = new StreamsConfig { ApplicationId = "dsl-stores", StateDir = _stateDir };
        if (dslStore is not null)
        {
            config.DefaultDslStore = dslStore;
        }

        return config;
    }

    [Fact]
    public void Count_NoStoreType_IsRocksDbInTheTaskFolderAndCounts()
    {
        using (var driver = new TopologyTestDriver(WordCount(Materialized.As<string, long>("counts"), Config()), Config()))
        {
            driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("1", "a b a", 100);

            Assert.True(driver.GetStateStore("counts")!.Persistent);
            Assert.Equal(2L, driver.GetKeyValueStore<string, long>("counts").Get("a"));

            // The count is the second sub-topology's (after the repartition), so its task is 1_0.
            Assert.True(Directory.Exists(Path.Combine(_stateDir, "dsl-stores", "1_0", "rocksdb", "counts")));
        }

        // A driver given a state.dir leaves it alone; the store's files are there after the clean close.
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_stateDir, "dsl-stores", "1_0", "rocksdb", "counts")));
    }

    [Fact]
    public void Count_InMemoryStoreType_IsNotPersistent()
    {
        using var driver = new TopologyTestDriver(WordCount(Materialized.As<string, long>("counts").WithStoreType(DslStoreType.InMemory), Config()), Config());
        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("1", "a b a", 100);

        Assert.False(driver.GetStateStore("counts")!.Persistent);
        Assert.Equal(2L, driver.GetKeyValueStore<string, long>("counts").Get("a"));
        Assert.False(Directory.Exists(Path.Combine(_stateDir, "dsl-stores", "1_0", "rocksdb")));
    }

    [Fact]
    public void Count_DefaultDslStoreInMemory_IsNotPersistentUnlessTheOptionSaysSo()
    {
        // As in Kafka, default.dsl.store is read when the topology is built.
        using var memory = new TopologyTestDriver(WordCount(Materialized.As<string, long>("counts"), Config("in_memory")), Config("in_memory"));
        Assert.False(memory.GetStateStore("counts")!.Persistent);

        using var persistent = new TopologyTestDriver(WordCount(Materialized.As<string, long>("counts").WithStoreType(DslStoreType.Persistent), Config("in_memory")), Config("in_memory"));
        Assert.True(persistent.GetStateStore("counts")!.Persistent);
    }

    [Fact]
    public void StreamStreamJoin_NoStoreType_BuffersBothSidesInRocksDb()
    {
        var builder = new StreamsBuilder();
        var left = builder.Stream("left", Strings);
        var right = builder.Stream("right", Strings);
        left.Join(right, (l, r) => l + "+" + r, JoinWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromSeconds(10)), StreamJoined.With(Serdes.String, Serdes.String, Serdes.String).WithStoreName("j"))
            .To("joined", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(), Config());

        driver.CreateInputTopic("left", Serdes.String, Serdes.String).PipeInput("k", "l1", 1000);
        driver.CreateInputTopic("right", Serdes.String, Serdes.String).PipeInput("k", "r1", 2000);

        Assert.Equal([new("k", "l1+r1")], driver.CreateOutputTopic("joined", Serdes.String, Serdes.String).ReadKeyValuesToList());
        var joinStores = driver.GetAllStateStores().Values.ToList();
        Assert.NotEmpty(joinStores);
        Assert.All(joinStores, s => Assert.True(s.Persistent, s.Name));
    }

    [Fact]
    public void StreamStreamJoin_InMemoryStoreType_BuffersInMemory()
    {
        var builder = new StreamsBuilder();
        var left = builder.Stream("left", Strings);
        var right = builder.Stream("right", Strings);
        left.Join(right, (l, r) => l + "+" + r, JoinWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromSeconds(10)), StreamJoined.With(Serdes.String, Serdes.String, Serdes.String).WithStoreType(DslStoreType.InMemory))
            .To("joined", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(), Config());

        driver.CreateInputTopic("left", Serdes.String, Serdes.String).PipeInput("k", "l1", 1000);

        Assert.All(driver.GetAllStateStores().Values, s => Assert.False(s.Persistent, s.Name));
    }
}
