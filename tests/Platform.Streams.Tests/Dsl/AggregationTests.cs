using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

public sealed class AggregationTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static StreamsConfig Config(bool caching = true) => new()
    {
        ApplicationId = "aggregations",
        StateStoreCacheMaxBytes = caching ? 10 * 1024 * 1024 : 0,
        DefaultDslStore = "in_memory",
    };

    [Fact]
    public void GroupByCount_CachingOff_ForwardsEveryUpdateAndRepartitions()
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Strings)
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("counts").WithCachingDisabled())
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("lines", Serdes.String, Serdes.String);

        input.PipeInput("1", "hello world hello", 100);

        Assert.Equal(
            [new("hello", 1L), new("world", 1L), new("hello", 2L)],
            driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Equal(2L, driver.GetKeyValueStore<string, long>("counts").Get("hello"));
        Assert.Contains("aggregations-counts-repartition", driver.ProducedTopicNames);
        Assert.Contains("aggregations-counts-changelog", driver.ProducedTopicNames);
    }

    [Fact]
    public void GroupByCount_CachingOn_ForwardsOnlyTheLatestPerKeyOnCommit()
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Strings)
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("counts"))
            .ToStream()
            .To("counts-out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config(caching: true));
        var input = driver.CreateInputTopic("lines", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("counts-out", Serdes.String, Serdes.Int64);

        input.PipeInput("1", "hello world hello", 100);
        var first = output.ReadKeyValuesToList();
        input.PipeInput("2", "hello", 200);

        Assert.Equal([new("hello", 2L), new("world", 1L)], first.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal([new("hello", 3L)], output.ReadKeyValuesToList());
        Assert.Equal(3L, driver.GetKeyValueStore<string, long>("counts").Get("hello"));
    }

    [Fact]
    public void GroupByKeyReduce_CombinesValuesAndKeepsLargestTimestamp()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .Reduce((aggregate, value) => aggregate + "," + value, Materialized.As<string, string>("joined").WithCachingDisabled())
            .ToStream()
            .To("out");
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "a", 50);
        input.PipeInput("k", "b", 20);
        input.PipeInput("other", "x", 10);

        var records = driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadRecordsToList();
        Assert.Equal(["a", "a,b", "x"], records.ConvertAll(r => r.Value));
        Assert.Equal([50L, 50L, 10L], records.ConvertAll(r => r.Timestamp));
        var stored = driver.GetTimestampedKeyValueStore<string, string>("joined").Get("k");
        Assert.Equal(("a,b", 50L), (stored!.Value, stored.Timestamp));
    }

    [Fact]
    public void Aggregate_FoldsFromInitializerAndSkipsNullKeysAndValues()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .Aggregate(
                () => 0,
                (_, value, sum) => sum + value!.Length,
                Materialized.As<string, int>("lengths").WithValueSerde(Serdes.Int32).WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int32));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "abc");
        input.PipeInput(null!, "ignored");
        input.PipeInput("k", null!);
        input.PipeInput("k", "de");

        Assert.Equal([new("k", 3), new("k", 5)], driver.CreateOutputTopic("out", Serdes.String, Serdes.Int32).ReadKeyValuesToList());
        Assert.Equal(5, driver.GetKeyValueStore<string, int>("lengths").Get("k"));
    }

    [Fact]
    public void SelectKeyThenGroupByKey_RepartitionsAutomaticallyDroppingNullKeys()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .SelectKey<string>((_, v) => v == "none" ? null! : v![..1])
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String).WithName("by-initial"))
            .Count(Materialized.With<string, long>(Serdes.String, Serdes.Int64).WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("1", "apple");
        input.PipeInput("2", "avocado");
        input.PipeInput("3", "none");
        input.PipeInput("4", "banana");

        Assert.Equal(
            [new("a", 1L), new("a", 2L), new("b", 1L)],
            driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Contains("aggregations-by-initial-repartition", driver.ProducedTopicNames);
        Assert.Equal(2L, driver.GetKeyValueStore<string, long>("KSTREAM-AGGREGATE-STATE-STORE-0000000002").Get("a"));
    }

    [Fact]
    public void Cogroup_FoldsSeveralStreamsIntoOneStore()
    {
        var builder = new StreamsBuilder();
        var clicks = builder.Stream("clicks", Consumed.With(Serdes.String, Serdes.Int64)).GroupByKey();
        var views = builder.Stream("views", Strings).GroupByKey();
        clicks.Cogroup<long>((_, value, total) => total + value)
            .Cogroup(views, (_, _, total) => total + 100)
            .Aggregate(() => 0L, Materialized.As<string, long>("activity").WithValueSerde(Serdes.Int64).WithCachingDisabled())
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config());

        driver.CreateInputTopic("clicks", Serdes.String, Serdes.Int64).PipeInput("user", 2L, 1);
        driver.CreateInputTopic("views", Serdes.String, Serdes.String).PipeInput("user", "page", 2);
        driver.CreateInputTopic("clicks", Serdes.String, Serdes.Int64).PipeInput("user", 3L, 3);

        Assert.Equal([2L, 102L, 105L], driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal(105L, driver.GetKeyValueStore<string, long>("activity").Get("user"));
        var nodes = builder.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).Select(n => n.Name).ToHashSet();
        Assert.Contains("COGROUPKSTREAM-AGGREGATE-0000000003", nodes);
        Assert.Contains("COGROUPKSTREAM-MERGE-0000000004", nodes);
    }

    [Fact]
    public void Cogroup_SameGroupedStreamTwice_Throws()
    {
        var builder = new StreamsBuilder();
        var grouped = builder.Stream("in", Strings).GroupByKey();
        var cogrouped = grouped.Cogroup<long>((_, _, n) => n + 1);

        Assert.Throws<ArgumentException>(() => cogrouped.Cogroup(grouped, (_, _, n) => n + 1));
    }

    [Fact]
    public void Count_WithoutValueSerdeOnRepartition_FailsNamingTheOperator()
    {
        var builder = new StreamsBuilder();
        builder.Stream<string, Order>("orders", new Consumed<string, Order> { KeySerde = new OrderKeySerde() })
            .GroupBy((_, order) => order.Customer)
            .Count();

        var error = Assert.Throws<Errors.TopologyException>(() => new TopologyTestDriver(builder.Build(), Config()));

        Assert.Contains("KSTREAM-", error.Message, StringComparison.Ordinal);
        Assert.Contains("serde", error.Message, StringComparison.Ordinal);
    }

    private sealed record Order(string Customer);

    private sealed class OrderKeySerde : ISerde<string>
    {
        public byte[]? Serialize(string data, Client.Serialization.SerializationContext context) => System.Text.Encoding.UTF8.GetBytes(data);

        public string Deserialize(ReadOnlySpan<byte> data, bool isNull, Client.Serialization.SerializationContext context) => System.Text.Encoding.UTF8.GetString(data);
    }
}
