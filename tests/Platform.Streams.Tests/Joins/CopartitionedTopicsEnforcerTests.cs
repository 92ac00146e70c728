using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;

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
}
