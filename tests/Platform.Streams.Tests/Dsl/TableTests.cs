using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Dsl;

public sealed class TableTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static StreamsConfig Config(bool caching = false) => new()
    {
        ApplicationId = "tables",
        StateStoreCacheMaxBytes = caching ? 10 * 1024 * 1024 : 0,
    };

    [Fact]
    public void Table_MaterializedUpsertsAndDeletes_StoreAndChangesFollow()
    {
        var builder = new StreamsBuilder();
        builder.Table("users", Strings, Materialized.As<string, string>("users-store")).ToStream().To("changes");
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("users", Serdes.String, Serdes.String);

        input.PipeInput("alice", "eu", 1);
        input.PipeInput("bob", "us", 2);
        input.PipeInput("alice", "asia", 3);
        input.PipeInput("bob", null!, 4);

        Assert.Equal(
            [new("alice", "eu"), new("bob", "us"), new("alice", "asia"), new("bob", null!)],
            driver.CreateOutputTopic("changes", Serdes.String, Serdes.String).ReadKeyValuesToList());
        var store = driver.GetTimestampedKeyValueStore<string, string>("users-store");
        Assert.Equal(("asia", 3L), (store.Get("alice")!.Value, store.Get("alice")!.Timestamp));
        Assert.Null(store.Get("bob"));
        Assert.Contains("tables-users-store-changelog", driver.ProducedTopicNames);
    }

    [Fact]
    public void Table_CachingOn_DedupesUpdatesOfOneKeyWithinACommit()
    {
        var builder = new StreamsBuilder();
        builder.Stream("lines", Strings)
            .FlatMapValues<string>(v => v!.Split(' '))
            .ToTable(Materialized.As<string, string>("latest").WithValueSerde(Serdes.String))
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(), Config(caching: true));

        driver.CreateInputTopic("lines", Serdes.String, Serdes.String).PipeInput("k", "a b c");

        Assert.Equal([new("k", "c")], driver.CreateOutputTopic("out", Serdes.String, Serdes.String).ReadKeyValuesToList());
        Assert.Equal("c", driver.GetKeyValueStore<string, string>("latest").Get("k"));
    }

    [Fact]
    public void Filter_RejectedRowsBecomeDeletes_MaterializedStoreKeepsOnlyAccepted()
    {
        var builder = new StreamsBuilder();
        builder.Table("prices", Consumed.With(Serdes.String, Serdes.Int64))
            .Filter((_, price) => price >= 100, Materialized.As<string, long>("expensive"))
            .ToStream()
            .To("expensive-changes", Produced.With(Serdes.String, Serdes.Int64));
        builder.Table("prices-2", Consumed.With(Serdes.String, Serdes.String))
            .FilterNot((_, v) => v == "hidden")
            .ToStream()
            .To("visible", Produced.With(Serdes.String, Serdes.String));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var prices = driver.CreateInputTopic("prices", Serdes.String, Serdes.Int64);
        var other = driver.CreateInputTopic("prices-2", Serdes.String, Serdes.String);

        prices.PipeInput("tv", 500L);
        prices.PipeInput("pen", 2L);
        prices.PipeInput("tv", 50L);
        other.PipeInput("a", "shown");
        other.PipeInput("b", "hidden");

        // The store caches (flushing at once with a zero-size cache): as in Kafka, deleting a row that never
        // existed is not sent on, so "pen" never appears; "tv" falling below 100 is a delete (0 for a long).
        Assert.Equal(
            [new("tv", 500L), new("tv", 0L)],
            driver.CreateOutputTopic("expensive-changes", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Empty(driver.GetKeyValueStore<string, long>("expensive").All());
        Assert.Equal(
            [new("a", "shown"), new("b", null!)],
            driver.CreateOutputTopic("visible", Serdes.String, Serdes.String).ReadKeyValuesToList());
    }

    [Fact]
    public void MapValues_MapsRowsAndMaterializesWhenAsked()
    {
        var builder = new StreamsBuilder();
        builder.Table("names", Strings)
            .MapValues(v => v!.Length, Materialized.As<string, int>("name-lengths").WithValueSerde(Serdes.Int32))
            .ToStream()
            .To("lengths", Produced.With(Serdes.String, Serdes.Int32));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("names", Serdes.String, Serdes.String);

        input.PipeInput("a", "anna");
        input.PipeInput("b", "bo");
        input.PipeInput("a", "alexandra");

        Assert.Equal([4, 2, 9], driver.CreateOutputTopic("lengths", Serdes.String, Serdes.Int32).ReadValuesToList());
        Assert.Equal(9, driver.GetKeyValueStore<string, int>("name-lengths").Get("a"));
    }

    [Fact]
    public void GroupByCount_RowMovesGroup_SubtractsFromOldGroupThenAddsToNew()
    {
        var builder = new StreamsBuilder();
        builder.Table("user-regions", Strings)
            .GroupBy((user, region) => (region, user), Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("users-per-region"))
            .ToStream()
            .To("region-counts", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("user-regions", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("region-counts", Serdes.String, Serdes.Int64);

        input.PipeInput("alice", "eu");
        input.PipeInput("bob", "eu");
        Assert.Equal([new("eu", 1L), new("eu", 2L)], output.ReadKeyValuesToList());

        input.PipeInput("alice", "us");
        Assert.Equal([new("eu", 1L), new("us", 1L)], output.ReadKeyValuesToList());

        // Same group: subtract and add arrive together, one update.
        input.PipeInput("alice", "us");
        Assert.Equal([new("us", 1L)], output.ReadKeyValuesToList());

        input.PipeInput("alice", null!);
        Assert.Equal([new("us", 0L)], output.ReadKeyValuesToList());

        var store = driver.GetKeyValueStore<string, long>("users-per-region");
        Assert.Equal((1L, 0L), (store.Get("eu"), store.Get("us")));
        Assert.Contains("tables-users-per-region-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void GroupByAggregateAndReduce_ApplyAdderAndSubtractor()
    {
        var builder = new StreamsBuilder();
        var balances = builder.Table("balances", Consumed.With(Serdes.String, Serdes.Int64));
        balances
            .GroupBy((account, amount) => (account![..1], amount), Grouped.With(Serdes.String, Serdes.Int64))
            .Aggregate(
                () => 0L,
                (_, amount, total) => total + amount,
                (_, amount, total) => total - amount,
                Materialized.As<string, long>("totals").WithValueSerde(Serdes.Int64))
            .ToStream()
            .To("totals-out", Produced.With(Serdes.String, Serdes.Int64));
        balances
            .GroupBy((account, amount) => ("all", amount), Grouped.With(Serdes.String, Serdes.Int64).WithName("everything"))
            .Reduce((a, b) => a + b, (a, b) => a - b, Materialized.As<string, long>("sum"))
            .ToStream()
            .To("sum-out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("balances", Serdes.String, Serdes.Int64);

        input.PipeInput("a1", 10L);
        input.PipeInput("a2", 5L);
        input.PipeInput("b1", 7L);
        input.PipeInput("a1", 1L);

        Assert.Equal([10L, 15L, 7L, 6L], driver.CreateOutputTopic("totals-out", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal([10L, 15L, 22L, 13L], driver.CreateOutputTopic("sum-out", Serdes.String, Serdes.Int64).ReadValuesToList());
        Assert.Equal((6L, 7L), (driver.GetKeyValueStore<string, long>("totals").Get("a"), driver.GetKeyValueStore<string, long>("totals").Get("b")));
        Assert.Equal(13L, driver.GetKeyValueStore<string, long>("sum").Get("all"));
        Assert.Contains("tables-everything-repartition", driver.ProducedTopicNames);
    }

    [Fact]
    public void GroupByCount_CachingOn_EmitsTheNetResultOncePerCommit()
    {
        var builder = new StreamsBuilder();
        builder.Stream("assignments", Strings)
            .FlatMapValues<string>(v => v!.Split(' '))
            .ToTable(Materialized.With<string, string>(Serdes.String, Serdes.String))
            .GroupBy((user, region) => (region, user), Grouped.With(Serdes.String, Serdes.String))
            .Count(Materialized.As<string, long>("per-region"))
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), Config(caching: true));

        // One input record moves "alice" eu -> us -> eu within one commit: the table forwards only the last row.
        driver.CreateInputTopic("assignments", Serdes.String, Serdes.String).PipeInput("alice", "eu us eu");

        Assert.Equal([new("eu", 1L)], driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64).ReadKeyValuesToList());
        Assert.Equal(1L, driver.GetKeyValueStore<string, long>("per-region").Get("eu"));
    }

    [Fact]
    public void GlobalTable_HoldsEveryRowInItsStore()
    {
        var builder = new StreamsBuilder();
        var global = builder.GlobalTable("countries", Strings, Materialized.As<string, string>("countries-store"));
        using var driver = new TopologyTestDriver(builder.Build(), Config());
        var input = driver.CreateInputTopic("countries", Serdes.String, Serdes.String);

        input.PipeInput("fr", "France");
        input.PipeInput("de", "Germany");
        input.PipeInput("fr", null!);

        Assert.Equal("countries-store", global.QueryableStoreName);
        var store = driver.GetKeyValueStore<string, string>("countries-store");
        Assert.Equal("Germany", store.Get("de"));
        Assert.Null(store.Get("fr"));
    }
}
