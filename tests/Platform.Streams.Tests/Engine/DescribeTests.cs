using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

public sealed class DescribeTests
{
    [Fact]
    public void Describe_TwoSubtopologiesAndGlobalStore_PrintsKafkasLayout()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("upper", () => new UpperCaseProcessor(), "source")
            .AddSink("to-middle", "middle", Serdes.String, Serdes.String, null, "upper")
            .AddSource("middle-source", Serdes.String, Serdes.String, "middle")
            .AddProcessor("count", () => new CountingProcessor("counts"), "middle-source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count")
            .AddSink("out", "output", Serdes.String, Serdes.Int64, null, "count")
            .AddGlobalStore(
                Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("global-store"), Serdes.String, Serdes.String).WithLoggingDisabled(),
                "global-source",
                Serdes.String,
                Serdes.String,
                "global-topic",
                "global-processor",
                () => new GlobalStoreWriter("global-store"));

        var expected =
            "Topologies:\n" +
            "   Sub-topology: 0 for global store (will not generate tasks)\n" +
            "    Source: global-source (topics: [global-topic])\n" +
            "      --> global-processor\n" +
            "    Processor: global-processor (stores: [global-store])\n" +
            "      --> none\n" +
            "      <-- global-source\n" +
            "  Sub-topology: 1\n" +
            "    Source: middle-source (topics: [middle])\n" +
            "      --> count\n" +
            "    Processor: count (stores: [counts])\n" +
            "      --> out\n" +
            "      <-- middle-source\n" +
            "    Sink: out (topic: output)\n" +
            "      <-- count\n" +
            "\n" +
            "  Sub-topology: 2\n" +
            "    Source: source (topics: [input])\n" +
            "      --> upper\n" +
            "    Processor: upper (stores: [])\n" +
            "      --> to-middle\n" +
            "      <-- source\n" +
            "    Sink: to-middle (topic: middle)\n" +
            "      <-- upper\n" +
            "\n";
        Assert.Equal(expected, topology.Describe().ToString());
    }

    [Fact]
    public void Describe_BranchingProcessor_ListsChildrenBiggestSubtreeFirstThenByName()
    {
        var topology = new Topology()
            .AddSource("src", Serdes.String, Serdes.String, "in")
            .AddProcessor("p", () => new UpperCaseProcessor(), "src")
            .AddSink("z-sink", "z", Serdes.String, Serdes.String, null, "p")
            .AddProcessor("q", () => new UpperCaseProcessor(), "p")
            .AddSink("a-sink", "a", Serdes.String, Serdes.String, null, "p")
            .AddSink("q-sink", "qq", Serdes.String, Serdes.String, null, "q");

        var text = topology.Describe().ToString();

        Assert.Contains("Processor: p (stores: [])\n      --> q, a-sink, z-sink\n      <-- src\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Processor: q", StringComparison.Ordinal) < text.IndexOf("Sink: a-sink", StringComparison.Ordinal));
    }

    [Fact]
    public void Describe_PatternSourceAndExtractorSink_PrintsPatternAndExtractorClass()
    {
        var topology = new Topology()
            .AddSource<string, string>("src", new System.Text.RegularExpressions.Regex("orders-.*"), Serdes.String, Serdes.String)
            .AddSink("sink", new TopicByKey(), Serdes.String, Serdes.String, null, "src");

        var text = topology.Describe().ToString();

        Assert.Contains("Source: src (topics: orders-.*)", text, StringComparison.Ordinal);
        Assert.Contains("Sink: sink (extractor class: TopicByKey)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMermaid_Topology_HasSubgraphTopicsStoresAndEdges()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("count", () => new CountingProcessor("counts"), "source")
            .AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("counts"), Serdes.String, Serdes.Int64), "count")
            .AddSink("out", "output", Serdes.String, Serdes.Int64, null, "count");

        var mermaid = topology.ToMermaid();

        Assert.StartsWith("flowchart TD\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("subgraph sub0[\"Sub-topology 0\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("n0[\"source\"]", mermaid, StringComparison.Ordinal);
        Assert.Contains("t0[/\"input\"/]", mermaid, StringComparison.Ordinal);
        Assert.Contains("s0[(\"counts\")]", mermaid, StringComparison.Ordinal);
        Assert.Contains("t0 --> n0", mermaid, StringComparison.Ordinal);
        Assert.Contains("n0 --> n1", mermaid, StringComparison.Ordinal);
        Assert.Contains("n1 -.- s0", mermaid, StringComparison.Ordinal);
        Assert.Contains("n2 --> t1", mermaid, StringComparison.Ordinal);
    }
}
