using System.Text;
using Platform.Streams.Errors;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class ErrorHandlingTests
{
    private static Topology IntTopology() => new Topology()
        .AddSource("numbers", Serdes.String, Serdes.Int32, "numbers")
        .AddSink("sink", "out", Serdes.String, Serdes.Int32, null, "numbers");

    private static Topology ThrowingTopology() => new Topology()
        .AddSource("source", Serdes.String, Serdes.String, "input")
        .AddProcessor("thrower", () => new ThrowingProcessor(), "source")
        .AddSink("sink", "out", Serdes.String, Serdes.String, null, "thrower");

    [Fact]
    public void Deserialization_LogAndFail_ThrowsNamingTopicPartitionAndOffset()
    {
        using var driver = new TopologyTestDriver(IntTopology());
        var good = driver.CreateInputTopic("numbers", Serdes.String, Serdes.Int32);
        var bad = driver.CreateInputTopic("numbers", Serdes.String, Serdes.String);

        good.PipeInput("k", 1);
        var error = Assert.Throws<StreamsException>(() => bad.PipeInput("k", "not four bytes"));

        Assert.Contains("numbers-0@1", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void Deserialization_LogAndContinue_SkipsThePoisonRecordAndGoesOn()
    {
        var config = new StreamsConfig { DeserializationExceptionHandler = new LogAndContinueExceptionHandler() };
        using var driver = new TopologyTestDriver(IntTopology(), config);
        var good = driver.CreateInputTopic("numbers", Serdes.String, Serdes.Int32);
        var bad = driver.CreateInputTopic("numbers", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("out", Serdes.String, Serdes.Int32);

        good.PipeInput("k", 1);
        bad.PipeInput("k", "poison");
        good.PipeInput("k", 2);

        Assert.Equal([1, 2], output.ReadValuesToList());
    }

    [Fact]
    public void Deserialization_ContinueWithDeadLetterTopic_WritesTheRawRecordWithFailureHeaders()
    {
        var config = new StreamsConfig { DeserializationExceptionHandler = new LogAndContinueExceptionHandler(), DeadLetterQueueTopicName = "dlq" };
        using var driver = new TopologyTestDriver(IntTopology(), config);
        var bad = driver.CreateInputTopic("numbers", Serdes.String, Serdes.String);
        var dlq = driver.CreateOutputTopic("dlq", Serdes.String, Serdes.String);

        bad.PipeInput("key", "poison");

        var record = dlq.ReadRecord();
        Assert.Equal(("key", "poison"), (record.Key, record.Value));
        Assert.Equal("numbers", Header(record, "__streams.errors.topic"));
        Assert.Equal("0", Header(record, "__streams.errors.offset"));
        Assert.Equal(typeof(InvalidDataException).FullName, Header(record, "__streams.errors.exception"));
    }

    [Fact]
    public void Processing_LogAndFail_ThrowsNamingTheProcessor()
    {
        using var driver = new TopologyTestDriver(ThrowingTopology());
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);

        var error = Assert.ThrowsAny<StreamsException>(() => input.PipeInput("k", "boom"));

        Assert.Contains("'thrower'", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void Processing_LogAndContinue_DropsTheRecordAtThatProcessorAndSendsItToTheDeadLetterTopic()
    {
        var config = new StreamsConfig { ProcessingExceptionHandler = new LogAndContinueProcessingExceptionHandler(), DeadLetterQueueTopicName = "dlq" };
        using var driver = new TopologyTestDriver(ThrowingTopology(), config);
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("out", Serdes.String, Serdes.String);
        var dlq = driver.CreateOutputTopic("dlq", Serdes.String, Serdes.String);

        input.PipeInput("k", "fine");
        input.PipeInput("k", "boom");
        input.PipeInput("k", "also fine");

        Assert.Equal(["fine", "also fine"], output.ReadValuesToList());
        var dead = dlq.ReadRecord();
        Assert.Equal("boom", dead.Value);
        Assert.Equal("boom value", Header(dead, "__streams.errors.message"));
    }

    [Fact]
    public void Source_NoSerdeAndNoDefault_ThrowsNamingTheSource()
    {
        var topology = new Topology()
            .AddSource<string, string>("untyped-source", "input")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "untyped-source");

        var error = Assert.Throws<TopologyException>(() => new TopologyTestDriver(topology));

        Assert.Contains("source 'untyped-source'", error.Message, StringComparison.Ordinal);
        Assert.Contains("default.key.serde", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Source_DefaultSerdesConfigured_AreUsed()
    {
        var topology = new Topology()
            .AddSource<string, string>("source", "input")
            .AddSink<string, string>("sink", "out", "source");
        var config = new StreamsConfig { DefaultKeySerde = Serdes.String, DefaultValueSerde = Serdes.String };
        using var driver = new TopologyTestDriver(topology, config);

        driver.CreateInputTopic("input", Serdes.String, Serdes.String).PipeInput("k", "v");

        Assert.Equal("v", driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValue());
    }

    [Fact]
    public void Source_DefaultSerdeOfAnotherType_ThrowsNamingTheKeyAndType()
    {
        var topology = new Topology().AddSource<long, string>("source", "input");
        var config = new StreamsConfig { DefaultKeySerde = Serdes.String, DefaultValueSerde = Serdes.String };

        var error = Assert.Throws<TopologyException>(() => new TopologyTestDriver(topology, config));

        Assert.Contains("default.key.serde", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_NegativeWithDefaultExtractor_FailsButSkipExtractorDropsIt()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddSink("sink", "out", Serdes.String, Serdes.String, null, "source");
        using (var failing = new TopologyTestDriver(topology))
        {
            var error = Assert.Throws<StreamsException>(() => failing.CreateInputTopic("input", Serdes.String, Serdes.String).PipeInput("k", "v", -5));
            Assert.Contains("invalid timestamp -5", error.Message, StringComparison.Ordinal);
        }

        var config = new StreamsConfig { DefaultTimestampExtractor = new Processors.LogAndSkipOnInvalidTimestamp() };
        using var skipping = new TopologyTestDriver(topology, config);
        var input = skipping.CreateInputTopic("input", Serdes.String, Serdes.String);
        input.PipeInput("k", "dropped", -5);
        input.PipeInput("k", "kept", 5);
        Assert.Equal(["kept"], skipping.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void Pipe_UnknownTopic_ThrowsNamingIt()
    {
        using var driver = new TopologyTestDriver(ThrowingTopology());

        var error = Assert.Throws<ArgumentException>(() => driver.CreateInputTopic("nope", Serdes.String, Serdes.String).PipeInput("k", "v"));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    private static string Header(TestRecord<string, string> record, string key)
    {
        Assert.True(record.Headers!.TryGetLastBytes(key, out var value), key);
        return Encoding.UTF8.GetString(value!);
    }
}
