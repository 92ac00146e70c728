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

    /// <summary>
    /// A sink sizes its buffer by a bound on a string's UTF-8 bytes, not their count: whatever the characters (1 to 3
    /// bytes each, surrogate pairs, a lone surrogate written as U+FFFD) and lengths around where the bound gives way to
    /// a count, and a key and value together larger than the buffer, the bytes sent are the string's UTF-8 exactly.
    /// </summary>
    [Fact]
    public void Sink_StringsOfAnyCharactersAndLength_SentAsTheirExactUtf8()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "in")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "source");
        var harness = new TaskHarness(topology, new StreamsConfig(), new TaskId(0, 0), new TopicPartition("in", 0));
        string[] pieces = ["a", "\u00e9", "\u20ac", "\ud83d\ude00", "\ud800"];
        var values = new List<string> { "" };
        foreach (var piece in pieces)
        {
            foreach (var length in new[] { 1, 85, 341, 1023, 1024, 1025, 3000 })
            {
                var text = new StringBuilder();
                while (text.Length < length)
                {
                    text.Append(piece);
                }

                values.Add(text.ToString(0, length));
            }
        }

        var offset = 0L;
        foreach (var value in values)
        {
            harness.Add("in", 0, offset++, value, value, 1);
        }

        var sent = harness.Collector.To("out");
        Assert.Equal(values.Count, sent.Count);
        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal(Encoding.UTF8.GetBytes(values[i]), sent[i].Key);
            Assert.Equal(Encoding.UTF8.GetBytes(values[i]), sent[i].Value);
        }
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
