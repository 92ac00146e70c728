using Platform.Streams.Dsl;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Joins;

public class CopartitionedTopicsEnforcerTests
{
    [Fact]
    public void Validate_DifferentPartitionCounts_ThrowsNamingBothTopics()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 4, ["customers"] = 2 };

        var error = Assert.Throws<TopologyException>(() => CopartitionedTopicsEnforcer.Validate([["orders", "customers"]], counts));

        Assert.Contains("Topics not co-partitioned", error.Message, StringComparison.Ordinal);
        Assert.Contains("orders (4 partitions)", error.Message, StringComparison.Ordinal);
        Assert.Contains("customers (2 partitions)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SamePartitionCounts_Passes()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 3, ["customers"] = 3, ["other"] = 1 };

        CopartitionedTopicsEnforcer.Validate([["orders", "customers"], ["other"]], counts);
    }

    [Fact]
    public void Validate_UnknownTopic_ThrowsNamingIt()
    {
        var counts = new Dictionary<string, int> { ["orders"] = 3 };

        var error = Assert.Throws<TopologyException>(() => CopartitionedTopicsEnforcer.Validate([["orders", "customers"]], counts));

        Assert.Contains("customers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enforce_RepartitionTopicInGroup_TakesTheUserTopicsCount()
    {
        var counts = new Dictionary<string, int?> { ["orders"] = 6, ["app-KSTREAM-MAP-0000000001-repartition"] = 2 };

        var count = CopartitionedTopicsEnforcer.Enforce(
            ["orders", "app-KSTREAM-MAP-0000000001-repartition"], topic => topic.EndsWith("-repartition", StringComparison.Ordinal), topic => counts[topic], _ => false);

        Assert.Equal(6, count);
    }

    [Fact]
    public void Enforce_FixedRepartitionCountDisagrees_Throws()
    {
        var counts = new Dictionary<string, int?> { ["orders"] = 6, ["by-user-repartition"] = 2 };

        var error = Assert.Throws<TopologyException>(() => CopartitionedTopicsEnforcer.Enforce(
            ["orders", "by-user-repartition"], topic => topic.EndsWith("-repartition", StringComparison.Ordinal), topic => counts[topic], _ => true));

        Assert.Contains("by-user-repartition", error.Message, StringComparison.Ordinal);
        Assert.Contains("orders", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enforce_OnlyRepartitionTopics_TakesTheLargestCount()
    {
        var counts = new Dictionary<string, int?> { ["a-repartition"] = 2, ["b-repartition"] = 5 };

        var count = CopartitionedTopicsEnforcer.Enforce(["a-repartition", "b-repartition"], _ => true, topic => counts[topic], _ => false);

        Assert.Equal(5, count);
    }

    [Fact]
    public void Validate_StreamTableJoinOfTopicsWithDifferentCounts_ThrowsNamingBoth()
    {
        var builder = new StreamsBuilder();
        var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.String));
        builder.Stream("orders", Consumed.With(Serdes.String, Serdes.String))
            .Join(customers, (o, c) => o + c)
            .To("out", Produced.With(Serdes.String, Serdes.String));
        var metadata = builder.Build(JoinTopology.Config(0)).Build(JoinTopology.Config(0));

        var error = Assert.Throws<TopologyException>(() => CopartitionedTopicsEnforcer.Validate(
            metadata.CopartitionGroups, new Dictionary<string, int> { ["orders"] = 4, ["customers"] = 2 }));

        Assert.Contains("orders (4 partitions)", error.Message, StringComparison.Ordinal);
        Assert.Contains("customers (2 partitions)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enforce_ForeignKeyJoin_InternalTopicsTakeTheirTablesCounts()
    {
        var builder = new StreamsBuilder();
        var customers = builder.Table("customers", Consumed.With(Serdes.String, Serdes.String));
        builder.Table("orders", Consumed.With(Serdes.String, Serdes.String))
            .Join(customers, o => o.Split('|')[0], (o, c) => o + c, TableJoined.As<string, string>("fk"))
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.String));
        var metadata = builder.Build(JoinTopology.Config(0)).Build(JoinTopology.Config(0));
        var counts = new Dictionary<string, int> { ["orders"] = 4, ["customers"] = 2 };

        var chosen = metadata.CopartitionGroups.ToDictionary(
            group => string.Join(",", group.Order(StringComparer.Ordinal)),
            group => CopartitionedTopicsEnforcer.Enforce(group, metadata.InternalTopics.ContainsKey, topic => counts.TryGetValue(topic, out var n) ? n : null, _ => false));

        Assert.Equal(2, chosen["customers,joins-fk-subscription-registration-topic"]);
        Assert.Equal(4, chosen["joins-fk-subscription-response-topic,orders"]);
    }
}
