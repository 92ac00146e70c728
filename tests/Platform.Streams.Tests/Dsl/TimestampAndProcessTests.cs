using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

public sealed class TimestampAndProcessTests
{
    [Fact]
    public void Stream_DefaultExtractor_KeepsRecordTimestamps()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.String)).To("out");
        using var driver = new TopologyTestDriver(builder.Build());

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v", 424242);

        Assert.Equal(424242L, driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecord().Timestamp);
    }

    [Fact]
    public void Stream_WallclockExtractor_StampsProcessingTime()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.String).WithTimestampExtractor(new WallclockTimestampExtractor())).To("out");
        using var driver = new TopologyTestDriver(builder.Build());
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "v", 5);

        var stamped = driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecord().Timestamp;
        Assert.InRange(stamped, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Stream_CustomExtractor_TakesTimestampFromTheValue()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.Int64).WithTimestampExtractor(new ValueIsTime()))
            .GroupByKey()
            .Reduce(Math.Max, Materialized.As<string, long>("latest").WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { DefaultDslStore = "in_memory" });
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.Int64);

        input.PipeInput("k", 9000L, 1);
        input.PipeInput("k", 7000L, 2);

        var records = driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadRecordsToList();
        Assert.Equal([9000L, 9000L], records.ConvertAll(r => r.Timestamp));
        Assert.Equal(9000L, driver.GetTimestampedKeyValueStore<string, long>("latest").Get("k")!.Timestamp);
    }

    [Fact]
    public void Process_RunsProcessorWithStoreAndMarksRepartition()
    {
        var builder = new StreamsBuilder();
        builder.AddStateStore(Stores.KeyValueStoreBuilder(Stores.InMemoryKeyValueStore("seen"), Serdes.String, Serdes.Int64));
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.String))
            .Process(() => new CountingProcessor(), "seen")
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("per-key").WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { ApplicationId = "process-app" });
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("a", "x");
        input.PipeInput("b", "x");

        Assert.Equal([new("x", 1L), new("x", 2L)], driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Equal(2L, driver.GetKeyValueStore<string, long>("seen").Get("x"));
        Assert.Contains("process-app-per-key-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void ProcessValues_KeepsKeysAndNeedsNoRepartition()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Consumed.With(Serdes.String, Serdes.String))
            .ProcessValues(() => new LengthProcessor(), Named.As("lengths"))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.Int32))
            .Count(Materialized.As<string, long>("counts").WithCachingDisabled());
        var topology = builder.Build();
        using var driver = new TopologyTestDriver(topology, new StreamsConfig { ApplicationId = "values-app" });

        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("k", "abcd", 10);

        Assert.Single(topology.Describe().Subtopologies);
        Assert.Equal(1L, driver.GetKeyValueStore<string, long>("counts").Get("k"));
        Assert.DoesNotContain(driver.ProducedTopicNames, t => t.EndsWith("-repartition", StringComparison.Ordinal));
    }

    [Fact]
    public void Repartition_GivenPartitionCount_DeclaresInternalTopicWithIt()
    {
        var builder = new StreamsBuilder();
        var stream = builder.Stream("in", Consumed.With(Serdes.String, Serdes.String));
        stream.Repartition(Repartitioned.WithPartitions<string, string>(6).WithName("six")).To("a");
        stream.SelectKey((_, v) => v).GroupByKey().Count(Materialized.As<string, long>("counts"));

        var topics = builder.Build().InternalTopics;

        Assert.Equal(6, topics["six-repartition"].NumberOfPartitions);
        Assert.Null(topics["counts-repartition"].NumberOfPartitions);
    }

    private sealed class ValueIsTime : ITimestampExtractor
    {
        public long Extract(ConsumeResult<object?, object?> record, long partitionTime) => (long)record.Message!.Value!;
    }

    // Re-keys by value and counts each value in its own store.
    private sealed class CountingProcessor : IProcessor<string, string, string, string>
    {
        private IProcessorContext<string, string>? _context;
        private IKeyValueStore<string, long>? _seen;

        public void Init(IProcessorContext<string, string> context)
        {
            _context = context;
            _seen = context.GetStateStore<IKeyValueStore<string, long>>("seen");
        }

        public void Process(Record<string, string> record)
        {
            _seen!.Put(record.Value, _seen.Get(record.Value) + 1);
            _context!.Forward(new Record<string, string>(record.Value, record.Key, record.Timestamp, record.Headers));
        }
    }

    private sealed class LengthProcessor : IFixedKeyProcessor<string, string, int>
    {
        private IFixedKeyProcessorContext<string, int>? _context;

        public void Init(IFixedKeyProcessorContext<string, int> context) => _context = context;

        public void Process(FixedKeyRecord<string, string> record) => _context!.Forward(record.WithValue(record.Value.Length));
    }
}
