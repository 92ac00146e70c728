using System.Text.RegularExpressions;
using Platform.Streams.Dsl;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

public sealed class StatelessOperatorTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    [Fact]
    public void FilterAndFilterNot_KeepAndDropMatchingRecords()
    {
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Strings);
        stream.Filter((_, v) => v!.StartsWith('a')).To("kept");
        stream.FilterNot((_, v) => v!.StartsWith('a')).To("dropped");
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("1", "apple");
        input.PipeInput("2", "banana");
        input.PipeInput("3", "avocado");

        Assert.Equal(["apple", "avocado"], driver.CreateOutputTopic("kept", Serdes.String, Serdes.String).ReadValuesToList());
        Assert.Equal(["banana"], driver.CreateOutputTopic("dropped", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void MapMapValuesSelectKey_TransformKeysAndValuesKeepingTimestamps()
    {
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Strings);
        stream.Map((k, v) => (v, k)).To("swapped", Produced.With(Serdes.String, Serdes.String));
        stream.MapValues(v => v!.Length).To("lengths", Produced.With(Serdes.String, Serdes.Int32));
        stream.MapValues<string>((k, v) => k + ":" + v).To("joined", Produced.With(Serdes.String, Serdes.String));
        stream.SelectKey<string>((_, v) => v![..1]).To("rekeyed", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "value", 1234);

        var swapped = driver.CreateOutputTopic("swapped", Serdes.String, Serdes.String).ReadRecord();
        Assert.Equal(("value", "k", 1234L), (swapped.Key, swapped.Value, swapped.Timestamp));
        Assert.Equal(new KeyValuePair<string, int>("k", 5), driver.CreateOutputTopic("lengths", Serdes.String, Serdes.Int32).ReadKeyValue());
        Assert.Equal("k:value", driver.CreateOutputTopic("joined", Serdes.String, Serdes.String).ReadValue());
        Assert.Equal(new KeyValuePair<string, string>("v", "value"), driver.CreateOutputTopic("rekeyed", Serdes.String, Serdes.String).ReadKeyValue());
    }

    [Fact]
    public void FlatMapAndFlatMapValues_EmitZeroOrMoreRecordsPerInput()
    {
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Strings);
        stream.FlatMapValues<string>(v => v!.Split(' ', StringSplitOptions.RemoveEmptyEntries)).To("words", Produced.With(Serdes.String, Serdes.String));
        stream.FlatMap((k, v) => v!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => ((string)w, k))).To("inverted", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("line1", "a b c");
        input.PipeInput("line2", "   ");

        Assert.Equal(
            [new("line1", "a"), new("line1", "b"), new("line1", "c")],
            driver.CreateOutputTopic("words", Serdes.String, Serdes.String).ReadKeyValuesToList());
        Assert.Equal(
            [new("a", "line1"), new("b", "line1"), new("c", "line1")],
            driver.CreateOutputTopic("inverted", Serdes.String, Serdes.String).ReadKeyValuesToList());
    }

    [Fact]
    public void PeekAndForeach_SeeEveryRecord_PeekPassesThem()
    {
        var peeked = new List<string>();
        var seen = new List<string>();
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Strings);
        stream.Peek((k, v) => peeked.Add($"{k}={v}")).To("out");
        stream.Foreach((k, v) => seen.Add($"{k}={v}"));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("a", "1");
        input.PipeInput("b", "2");

        Assert.Equal(["a=1", "b=2"], peeked);
        Assert.Equal(["a=1", "b=2"], seen);
        Assert.Equal(["1", "2"], driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void Merge_InterleavesBothStreams()
    {
        var builder = new StreamsBuilder();
        var left = builder.Stream("left", Strings);
        var right = builder.Stream("right", Strings);
        left.Merge(right).To("out");
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("left", Serdes.String, Serdes.String).PipeInput("l", "1", 10);
        driver.CreateInputTopic("right", Serdes.String, Serdes.String).PipeInput("r", "2", 20);
        driver.CreateInputTopic("left", Serdes.String, Serdes.String).PipeInput("l", "3", 30);

        Assert.Equal(["1", "2", "3"], driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void Split_RoutesToFirstMatchingBranchElseDefault()
    {
        var builder = new StreamsBuilder();
        var branches = builder.Stream("in", Consumed.With(Serdes.String, Serdes.Int64))
            .Split(Named.As("sign-"))
            .Branch((_, v) => v < 0, Branched.As<string, long>("negative"))
            .Branch((_, v) => v < 10, Branched.WithFunction<string, long>(s => s.MapValues(v => v * 100), "small"))
            .Branch((_, v) => v == 42, Branched.WithConsumer<string, long>(s => s.To("answers", Produced.With(Serdes.String, Serdes.Int64)), "answer"))
            .DefaultBranch(Branched.As<string, long>("other"));
        branches["sign-negative"].To("negative", Produced.With(Serdes.String, Serdes.Int64));
        branches["sign-small"].To("small", Produced.With(Serdes.String, Serdes.Int64));
        branches["sign-other"].To("other", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.Int64);

        foreach (var value in new long[] { -5, 3, 42, 100, -1 })
        {
            input.PipeInput("k", value);
        }

        Assert.DoesNotContain("sign-answer", branches.Keys);
        Assert.Equal([-5L, -1L], driver.CreateOutputTopic("negative", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal([300L], driver.CreateOutputTopic("small", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal([42L], driver.CreateOutputTopic("answers", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal([100L], driver.CreateOutputTopic("other", Serdes.String, Serdes.Int64).ReadValuesToList());
    }

    [Fact]
    public void Split_NoDefaultBranch_DropsUnmatchedRecords()
    {
        var builder = new StreamsBuilder();
        var branches = builder.Stream("in", Strings).Split().Branch((_, v) => v == "x").NoDefaultBranch();
        var only = Assert.Single(branches);
        Assert.Equal("KSTREAM-BRANCH-00000000011", only.Key);
        only.Value.To("out");
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("a", "x");
        input.PipeInput("b", "y");

        Assert.Equal(["a"], driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadKeyValuesToList().ConvertAll(kv => kv.Key));
    }

    [Fact]
    public void Print_WritesLabelKeyAndValuePerRecord()
    {
        var writer = new StringWriter();
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Strings);
        stream.Print(Printed.ToWriter<string, string>(writer).WithLabel("debug"));
        stream.Print(Printed.ToWriter<string, string>(writer).WithKeyValueMapper((k, v) => $"{k}->{v}"));
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v");

        Assert.Equal(["[debug]: k, v", "[KSTREAM-PRINTER-0000000002]: k->v"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void StreamOfSeveralTopicsAndOfPattern_ReadEveryTopic()
    {
        var builder = new StreamsBuilder();
        builder.Stream(["a", "b"], Strings).To("from-list");
        builder.Stream(new Regex("^logs-.*"), Strings).To("from-pattern");
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("a", Serdes.String, Serdes.String).PipeInput("k", "1");
        driver.CreateInputTopic("b", Serdes.String, Serdes.String).PipeInput("k", "2");
        driver.CreateInputTopic("logs-east", Serdes.String, Serdes.String).PipeInput("k", "3");
        driver.CreateInputTopic("logs-west", Serdes.String, Serdes.String).PipeInput("k", "4");

        Assert.Equal(["1", "2"], driver.CreateOutputTopic("from-list", Serdes.String, Serdes.String).ReadValuesToList());
        Assert.Equal(["3", "4"], driver.CreateOutputTopic("from-pattern", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void ToWithExtractor_WritesEachRecordToItsTopicWithPartitioner()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings).To(new ByKeyTopic(), Produced.With(Serdes.String, Serdes.String).WithStreamPartitioner(new FirstPartition()));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("red", "1");
        input.PipeInput("blue", "2");
        input.PipeInput("red", "3");

        Assert.Equal(["1", "3"], driver.CreateOutputTopic("topic-red", Serdes.String, Serdes.String).ReadValuesToList());
        Assert.Equal(["2"], driver.CreateOutputTopic("topic-blue", Serdes.String, Serdes.String).ReadValuesToList());
    }

    [Fact]
    public void Repartition_WritesThroughInternalTopicAndReadsBack()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .Repartition(Repartitioned.As<string, string>("shuffle").WithNumberOfPartitions(3))
            .MapValues<string>(v => v!.ToUpperInvariant())
            .To("out", Produced.With(Serdes.String, Serdes.String));
        var config = new StreamsConfig { ApplicationId = "repartition-app" };
        using var driver = new TopologyTestDriver(builder.Build(), config);

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v", 77);

        var output = driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecord();
        Assert.Equal(("k", "V", 77L), (output.Key, output.Value, output.Timestamp));
        Assert.Contains("repartition-app-shuffle-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void Build_MapWithoutSerdesAndNoDefault_FailsNamingTheSink()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings).Map((k, v) => (v, k)).To("out");

        var error = Assert.Throws<Errors.TopologyException>(() => new TopologyTestDriver(builder.Build()));

        Assert.Contains("'KSTREAM-SINK-0000000002'", error.Message, StringComparison.Ordinal);
        Assert.Contains("default.key.serde", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MapWithoutSerdes_UsesConfiguredDefaults()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings).Map((k, v) => (v, k)).To("out");
        var config = new StreamsConfig { DefaultKeySerde = Serdes.String, DefaultValueSerde = Serdes.String };
        using var driver = new TopologyTestDriver(builder.Build(), config);

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v");

        Assert.Equal(new KeyValuePair<string, string>("v", "k"), driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadKeyValue());
    }

    private sealed class ByKeyTopic : ITopicNameExtractor<string, string>
    {
        public string Extract(string key, string value, RecordMetadata? source) => "topic-" + key;
    }

    private sealed class FirstPartition : IStreamPartitioner<string, string>
    {
        public int? Partition(string topic, string key, string value, int partitionCount) => 0;
    }
}
