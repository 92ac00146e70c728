using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class SubtopologyTests
{
    private static readonly StreamsConfig Config = new() { ApplicationId = "app" };

    [Fact]
    public void Build_ProcessorsSharingAStore_JoinOneSubtopology()
    {
        var topology = new Topology()
            .AddSource("a", Serdes.String, Serdes.String, "topic-a")
            .AddProcessor("count-a", () => new CountingProcessor("shared"), "a")
            .AddSource("b", Serdes.String, Serdes.String, "topic-b")
            .AddProcessor("count-b", () => new CountingProcessor("shared"), "b")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("shared"), Serdes.String, Serdes.Int64), "count-a", "count-b")
            .AddSource("c", Serdes.String, Serdes.String, "topic-c")
            .AddSink("c-sink", "topic-a", Serdes.String, Serdes.String, null, "c");

        var metadata = topology.Build(Config);

        Assert.Equal(2, metadata.Subtopologies.Count);
        Assert.Equal(["topic-a", "topic-b"], metadata.Subtopologies[0].SourceTopics);
        Assert.Equal(["topic-c"], metadata.Subtopologies[1].SourceTopics);
        Assert.Equal(["topic-a"], metadata.Subtopologies[1].SinkTopics);
        Assert.True(metadata.Subtopologies[0].IsStateful);
        Assert.False(metadata.Subtopologies[1].IsStateful);
    }

    [Fact]
    public void TaskPartitions_InputsWithDifferentCounts_MakeOneTaskPerPartitionOfTheLargest()
    {
        var topology = new Topology()
            .AddSource("a", Serdes.String, Serdes.String, "topic-a")
            .AddSource("b", Serdes.String, Serdes.String, "topic-b")
            .AddProcessor("merge", () => new UpperCaseProcessor(), "a", "b")
            .AddSource("c", Serdes.String, Serdes.String, "topic-c")
            .AddSink("c-sink", "elsewhere", Serdes.String, Serdes.String, null, "c");
        var counts = new Dictionary<string, int> { ["topic-a"] = 3, ["topic-b"] = 2, ["topic-c"] = 1 };

        var tasks = topology.Build(Config).TaskPartitions(t => counts[t]);

        Assert.Equal([new TaskId(0, 0), new TaskId(0, 1), new TaskId(0, 2), new TaskId(1, 0)], tasks.Keys);
        Assert.Equal([new TopicPartition("topic-a", 1), new TopicPartition("topic-b", 1)], tasks[new TaskId(0, 1)]);
        Assert.Equal([new TopicPartition("topic-a", 2)], tasks[new TaskId(0, 2)]);
        Assert.Equal([new TopicPartition("topic-c", 0)], tasks[new TaskId(1, 0)]);
    }

    [Fact]
    public void TaskPartitions_PatternSource_IncludesMatchingExistingTopics()
    {
        var topology = new Topology()
            .AddSource<string, string>("orders", new System.Text.RegularExpressions.Regex("^orders-.*"), Serdes.String, Serdes.String);

        var tasks = topology.Build(Config).TaskPartitions(_ => 2, ["orders-eu", "orders-us", "customers"]);

        Assert.Equal([new TopicPartition("orders-eu", 1), new TopicPartition("orders-us", 1)], tasks[new TaskId(0, 1)]);
    }

    [Fact]
    public void Build_StoresAndRepartitionTopics_NamesInternalTopicsWithTheApplicationId()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddSink("to-repartition", "counts-repartition", Serdes.String, Serdes.String, null, "source")
            .AddSource("from-repartition", Serdes.String, Serdes.String, "counts-repartition")
            .AddProcessor("count", () => new CountingProcessor("counts"), "from-repartition")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64).WithLoggingEnabled(new Dictionary<string, string> { ["min.insync.replicas"] = "2" }), "count")
            .AddSink("sink", "output", Serdes.String, Serdes.Int64, null, "count");
        topology.AddInternalTopic(new RepartitionTopicConfig("counts-repartition"));

        var metadata = topology.Build(Config);

        // Sub-topologies are numbered by their source names in ordinal order, as Kafka does.
        Assert.Equal(["app-counts-repartition"], metadata.Subtopologies[1].SinkTopics);
        Assert.Equal(["app-counts-repartition"], metadata.Subtopologies[0].RepartitionSourceTopics);
        var changelog = metadata.InternalTopics["app-counts-changelog"];
        Assert.True(changelog.IsChangelog);
        Assert.Equal(0, changelog.Subtopology);
        Assert.Equal("compact", changelog.Configs["cleanup.policy"]);
        Assert.Equal("2", changelog.Configs["min.insync.replicas"]);
        var repartition = metadata.InternalTopics["app-counts-repartition"];
        Assert.False(repartition.IsChangelog);
        Assert.Equal("delete", repartition.Configs["cleanup.policy"]);
        Assert.Contains("(topics: [counts-repartition])", topology.Describe().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TestDriver_RepartitionTopic_FeedsTheDownstreamSubtopology()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddSink("to-repartition", "counts-repartition", Serdes.String, Serdes.String, null, "source")
            .AddSource("from-repartition", Serdes.String, Serdes.String, "counts-repartition")
            .AddProcessor("count", () => new CountingProcessor("counts"), "from-repartition")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count")
            .AddSink("sink", "output", Serdes.String, Serdes.Int64, null, "count");
        topology.AddInternalTopic(new RepartitionTopicConfig("counts-repartition"));
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "wc" });
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);

        input.PipeInput("a", "x");
        input.PipeInput("a", "y");

        Assert.Equal([1L, 2L], driver.CreateOutputTopic("output", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Contains("wc-counts-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void CopartitionSources_JoinInputs_AreReportedAsOneGroupOfRealNames()
    {
        var topology = new Topology()
            .AddSource("left", Serdes.String, Serdes.String, "left-topic")
            .AddSource("right", Serdes.String, Serdes.String, "right-topic")
            .AddProcessor("join", () => new UpperCaseProcessor(), "left", "right");
        topology.CopartitionSources(["left", "right"]);

        var groups = topology.Build(Config).CopartitionGroups;

        Assert.Equal(["left-topic", "right-topic"], Assert.Single(groups));
    }

    [Fact]
    public void PatternSource_TestDriver_ReadsEveryMatchingTopic()
    {
        var topology = new Topology()
            .AddSource<string, string>("source", new System.Text.RegularExpressions.Regex("^in-.*"), Serdes.String, Serdes.String)
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "source");
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("in-a", Serdes.String, Serdes.String).PipeInput("k", "a", 1);
        driver.CreateInputTopic("in-b", Serdes.String, Serdes.String).PipeInput("k", "b", 2);

        Assert.Equal(["a", "b"], driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Theory]
    [InlineData("duplicate")]
    [InlineData("unknown-parent")]
    [InlineData("sink-parent")]
    [InlineData("topic-twice")]
    [InlineData("no-topic")]
    public void Topology_InvalidConstruction_ThrowsTopologyException(string mistake)
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "source");

        Action act = mistake switch
        {
            "duplicate" => () => topology.AddProcessor("source", () => new UpperCaseProcessor(), "source"),
            "unknown-parent" => () => topology.AddProcessor("p", () => new UpperCaseProcessor(), "nobody"),
            "sink-parent" => () => topology.AddProcessor("p", () => new UpperCaseProcessor(), "sink"),
            "topic-twice" => () => topology.AddSource("again", Serdes.String, Serdes.String, "input"),
            _ => () => topology.AddSource("empty", Serdes.String, Serdes.String),
        };

        Assert.Throws<TopologyException>(act);
    }

    [Fact]
    public void Build_ProcessorUsesUnknownStore_ThrowsNamingIt()
    {
        var topology = new Topology().AddSource("source", Serdes.String, Serdes.String, "input");
        topology.AddProcessor("count", () => new CountingProcessor("counts"), "source");
        var error = Assert.Throws<TopologyException>(() => topology.ConnectProcessorAndStateStores("count", "counts"));

        Assert.Contains("'counts'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_ChildTakesWiderTypes_RecordsAreCast()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("objects", () => new ObjectDescriber(), "source")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "objects");
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("input", Serdes.String, Serdes.String).PipeInput("k", "v");

        Assert.Equal("String:v", driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValue());
    }

    [Fact]
    public void Forward_ChildTakesIncompatibleTypes_FailsAtStartNamingBoth()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("counter", () => new CountingProcessor("counts"), "source")
            .AddProcessor("upper", () => new UpperCaseProcessor(), "counter")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "counter");

        var error = Assert.Throws<TopologyException>(() => new TopologyTestDriver(topology));

        Assert.Contains("'counter'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'upper'", error.Message, StringComparison.Ordinal);
    }
}
