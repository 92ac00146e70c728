using Platform.Streams.Dsl;
using Platform.Streams.Errors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Dsl;

public sealed class NamingTests
{
    [Fact]
    public void Build_GroupByCountWithoutNamesOrOptimizations_GeneratesKafkasNamesAndRepartitionTopic()
    {
        var builder = new StreamsBuilder();
        builder.Stream("input", Consumed.With(Serdes.String, Serdes.String))
            .GroupBy((_, v) => v)
            .Count()
            .ToStream()
            .To("output", Produced.With(Serdes.String, Serdes.Int64));

        var description = builder.Build(new StreamsConfig { [StreamsConfig.TopologyOptimizationConfig] = "none" }).Describe();
        var nodes = description.Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);

        Assert.Equal(2, description.Subtopologies.Count);
        Assert.Equal(
            [
                "KSTREAM-AGGREGATE-0000000003", "KSTREAM-FILTER-0000000005", "KSTREAM-KEY-SELECT-0000000001", "KSTREAM-SINK-0000000004",
                "KSTREAM-SINK-0000000008", "KSTREAM-SOURCE-0000000000", "KSTREAM-SOURCE-0000000006", "KTABLE-TOSTREAM-0000000007",
            ],
            nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"], nodes["KSTREAM-SINK-0000000004"].Topics);
        Assert.Equal(["KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"], nodes["KSTREAM-SOURCE-0000000006"].Topics);
        Assert.Equal(["KSTREAM-AGGREGATE-STATE-STORE-0000000002"], nodes["KSTREAM-AGGREGATE-0000000003"].Stores);
        Assert.Equal(["KSTREAM-FILTER-0000000005"], nodes["KSTREAM-KEY-SELECT-0000000001"].Successors);
    }

    [Fact]
    public void Build_GivenNames_DerivesRepartitionTopicProcessorsAndStoreFromThem()
    {
        var builder = new StreamsBuilder();
        builder.Stream("input", Consumed.With(Serdes.String, Serdes.String).WithName("lines"))
            .GroupBy((_, v) => v, Grouped.As<string, string>("by-word"))
            .Count(Materialized.As<string, long>("word-counts"), Named.As("count"))
            .ToStream(Named.As("changes"))
            .To("output", Produced.With(Serdes.String, Serdes.Int64).WithName("write"));

        var nodes = builder.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);

        Assert.Equal(
            ["by-word", "by-word-repartition-combiner", "by-word-repartition-sink", "by-word-repartition-source", "changes", "count", "lines", "write"],
            nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["by-word-repartition"], nodes["by-word-repartition-sink"].Topics);

        // The combiner drops null keys itself: it takes the null-key filter's place.
        Assert.Equal(["by-word-repartition-combiner"], nodes["by-word"].Successors);
        Assert.Equal(["by-word-repartition-sink"], nodes["by-word-repartition-combiner"].Successors);
        Assert.Equal(["word-counts"], nodes["count"].Stores);
    }

    [Fact]
    public void Build_NamedStoreWithoutGrouped_NamesRepartitionTopicAfterStore()
    {
        var builder = new StreamsBuilder();
        builder.Stream("input", Consumed.With(Serdes.String, Serdes.String))
            .SelectKey((_, v) => v)
            .GroupByKey()
            .Count(Materialized.As<string, long>("counts"));

        var nodes = builder.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);

        Assert.Equal(["counts-repartition"], nodes["counts-repartition-sink"].Topics);
        Assert.Contains("counts-repartition-source", nodes.Keys);
    }

    [Fact]
    public void Build_AggregationWithoutKeyChange_DoesNotRepartition()
    {
        var builder = new StreamsBuilder();
        builder.Stream("input", Consumed.With(Serdes.String, Serdes.String))
            .MapValues(v => v!.Length)
            .Filter((_, v) => v > 0)
            .GroupByKey()
            .Count();

        var description = builder.Build().Describe();

        Assert.Single(description.Subtopologies);
        Assert.DoesNotContain(description.Subtopologies[0].Nodes, n => n.Topics.Any(t => t.EndsWith("-repartition", StringComparison.Ordinal)));
    }

    [Fact]
    public void Build_SameNameTwice_ThrowsNamingTheName()
    {
        var builder = new StreamsBuilder();
        var stream = builder.Stream("input", Consumed.With(Serdes.String, Serdes.String));
        stream.Filter((_, _) => true, Named.As("keep"));

        var error = Assert.Throws<TopologyException>(() => stream.Filter((_, _) => true, Named.As("keep")));

        Assert.Contains("'keep'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedAs_IllegalCharacters_ThrowsNamingTheName()
    {
        var error = Assert.Throws<ArgumentException>(() => Named.As("no spaces"));

        Assert.Contains("'no spaces'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TableSource_NamesStoreAfterTopicAndMaterializesOnlyWhenNeeded()
    {
        var plain = new StreamsBuilder();
        plain.Table("users", Consumed.With(Serdes.String, Serdes.String)).ToStream().To("out");
        var plainNodes = plain.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);

        var grouped = new StreamsBuilder();
        grouped.Table("users", Consumed.With(Serdes.String, Serdes.String))
            .GroupBy((k, v) => (v, k), Grouped.With(Serdes.String, Serdes.String))
            .Count();
        var groupedNodes = grouped.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);

        Assert.Empty(plainNodes["KTABLE-SOURCE-0000000002"].Stores);
        Assert.Equal(["users-STATE-STORE-0000000000"], groupedNodes["KTABLE-SOURCE-0000000002"].Stores);
        Assert.Equal(["KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition"], groupedNodes["KSTREAM-SINK-0000000005"].Topics);
        Assert.Equal(["KTABLE-AGGREGATE-STATE-STORE-0000000004"], groupedNodes["KTABLE-AGGREGATE-0000000007"].Stores);
    }

    [Fact]
    public void Split_NamedBranches_AreSplitNamePlusBranchName()
    {
        var builder = new StreamsBuilder();
        var branches = builder.Stream("input", Consumed.With(Serdes.String, Serdes.Int64))
            .Split(Named.As("route-"))
            .Branch((_, v) => v < 0, Branched.As<string, long>("negative"))
            .Branch((_, v) => v == 0)
            .DefaultBranch(Branched.As<string, long>("positive"));

        Assert.Equal(["route-2", "route-negative", "route-positive"], branches.Keys.Order(StringComparer.Ordinal));
        var nodes = builder.Build().Describe().Subtopologies.SelectMany(s => s.Nodes).ToDictionary(n => n.Name);
        Assert.Equal(["route-2", "route-negative", "route-positive"], nodes["route-"].Successors.Order(StringComparer.Ordinal));
    }
}
