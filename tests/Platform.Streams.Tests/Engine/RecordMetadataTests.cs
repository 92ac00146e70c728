using System.Text;
using Platform.Client;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class RecordMetadataTests
{
    private static Topology MetadataTopology() => new Topology()
        .AddSource("source", Serdes.String, Serdes.String, "input")
        .AddProcessor("metadata", () => new MetadataProcessor(), "source")
        .AddSink("sink", "output", Serdes.String, Serdes.String, null, "metadata");

    [Fact]
    public void RecordMetadata_DuringProcess_GivesSourceTopicPartitionOffsetAndTask()
    {
        var config = new StreamsConfig { ApplicationId = "meta-app" };
        using var driver = new TopologyTestDriver(MetadataTopology(), config);
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        input.PipeInput("k", "first", 100);
        input.PipeInput("k", "second", 50);

        Assert.Equal("input/0/0 ts=100 stream=100 task=0_0 app=meta-app", output.ReadValue());
        Assert.Equal("input/0/1 ts=50 stream=100 task=0_0 app=meta-app", output.ReadValue());
    }

    [Fact]
    public void Forward_RecordWithHeadersAndNewTimestamp_SinkWritesThem()
    {
        using var driver = new TopologyTestDriver(MetadataTopology());
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);
        var headers = new Headers { { "trace", Encoding.UTF8.GetBytes("abc") } };

        input.PipeInput(new TestRecord<string, string>("k", "v", 1000, headers));

        var record = output.ReadRecord();
        Assert.Equal(1001, record.Timestamp);
        Assert.NotNull(record.Headers);
        Assert.True(record.Headers!.TryGetLastBytes("trace", out var trace));
        Assert.Equal("abc", Encoding.UTF8.GetString(trace!));
        Assert.True(record.Headers.TryGetLastBytes("seen-by", out var seenBy));
        Assert.Equal("metadata", Encoding.UTF8.GetString(seenBy!));
    }

    [Fact]
    public void PipeInput_AutoAdvance_StampsRecordsFromTheStartTime()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddSink("sink", "output", Serdes.String, Serdes.String, null, "source");
        using var driver = new TopologyTestDriver(topology);
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String, DateTimeOffset.FromUnixTimeMilliseconds(5000), TimeSpan.FromSeconds(1));
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        input.PipeValueList(["a", "b", "c"]);

        Assert.Equal([5000L, 6000L, 7000L], output.ReadRecordsToList().Select(r => r.Timestamp));
    }
}
