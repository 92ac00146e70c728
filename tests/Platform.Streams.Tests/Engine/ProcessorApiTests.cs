using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class ProcessorApiTests
{
    private static Topology UpperCaseTopology() => new Topology()
        .AddSource("source", Serdes.String, Serdes.String, "input")
        .AddProcessor("upper", () => new UpperCaseProcessor(), "source")
        .AddSink("sink-a", "output-a", Serdes.String, Serdes.String, null, "upper")
        .AddSink("sink-b", "output-b", Serdes.String, Serdes.String, null, "upper");

    [Fact]
    public void Forward_WithoutChildName_ReachesEveryChild()
    {
        using var driver = new TopologyTestDriver(UpperCaseTopology());
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var a = driver.CreateOutputTopic("output-a", Serdes.String, Serdes.String);
        var b = driver.CreateOutputTopic("output-b", Serdes.String, Serdes.String);

        input.PipeInput("k", "hello", 42);

        Assert.Equal(new TestRecord<string?, string?>("k", "HELLO", 42), a.ReadRecord());
        Assert.Equal("HELLO", b.ReadValue());
        Assert.True(a.IsEmpty);
    }

    [Fact]
    public void Forward_WithChildName_ReachesOnlyThatChild()
    {
        using var driver = new TopologyTestDriver(UpperCaseTopology());
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var a = driver.CreateOutputTopic("output-a", Serdes.String, Serdes.String);
        var b = driver.CreateOutputTopic("output-b", Serdes.String, Serdes.String);

        input.PipeInput("k", "to:sink-b:only b");

        Assert.True(a.IsEmpty);
        Assert.Equal("ONLY B", b.ReadValue());
    }
}
