using System.Text;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class SourceAndSinkTests
{
    [Fact]
    public void CustomTimestampExtractor_DirectPath_StampsRecordsFromTheValue()
    {
        var topology = new Topology()
            .AddSource("source", ["input"], Serdes.String, Serdes.String, new ValueTimestampExtractor())
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "source");
        using var driver = new TopologyTestDriver(topology);

        driver.CreateInputTopic("input", Serdes.String, Serdes.String).PipeInput("k", "777:payload", 1);

        Assert.Equal(777, driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecord().Timestamp);
    }

    [Fact]
    public void CustomTimestampExtractor_BufferedPath_OrdersByExtractedTimestamps()
    {
        var topology = new Topology()
            .AddSource("a", ["a"], Serdes.String, Serdes.String, new ValueTimestampExtractor())
            .AddSource("b", ["b"], Serdes.String, Serdes.String, new ValueTimestampExtractor())
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "a", "b");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 0), new("a", 0), new("b", 0));

        harness.Add("a", 0, 0, "k", "30:a", 1);
        harness.Add("b", 0, 0, "k", "20:b", 2);
        while (harness.Task.Process())
        {
        }

        Assert.Equal(["20:b", "30:a"], harness.Collector.To("out").Select(s => Encoding.UTF8.GetString(s.Value!)));
        Assert.Equal([20L, 30L], harness.Collector.To("out").Select(s => s.Timestamp));
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(null, -1)]
    public void Sink_Partitioner_ChoosesThePartition(int? chosen, int expected)
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddSink("sink", "out", Serdes.String, Serdes.String, new FixedPartitioner(chosen), "source");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 0), new TopicPartition("in", 0));

        harness.Add("in", 0, 0, "k", "v", 1);

        Assert.Equal(expected, Assert.Single(harness.Collector.To("out")).Partition);
    }

    [Fact]
    public void Sink_PartitionerOutOfRange_FailsNamingTheSink()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddSink("bad-sink", "out", Serdes.String, Serdes.String, new FixedPartitioner(9), "source");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 0), new TopicPartition("in", 0));

        var error = Assert.ThrowsAny<StreamsException>(() => harness.Add("in", 0, 0, "k", "v", 1));

        Assert.Contains("'bad-sink'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sink_TopicNameExtractor_WritesToTheChosenTopic()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddSink("sink", new TopicByKey(), Serdes.String, Serdes.String, null, "source");
        using var driver = new TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("red", "1");
        input.PipeInput("blue", "2");

        Assert.Equal(["1"], driver.CreateOutputTopic("red", Serdes.String, Serdes.String).ReadValuesToList());
        Assert.Equal(["2"], driver.CreateOutputTopic("blue", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void Commit_RequestedByProcessor_IsVisibleToTheRuntimeUntilCommitted()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddProcessor("commit", () => new CommittingProcessor(), "source");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 0), new TopicPartition("in", 0));

        harness.Add("in", 0, 0, "k", "v", 1);

        Assert.True(harness.Task.CommitRequested);
        harness.Task.PrepareCommit();
        harness.Task.PostCommit();
        Assert.False(harness.Task.CommitRequested);
    }
}
