using Platform.Client.Groups;

namespace Platform.Client.Tests.Groups;

/// <summary>The built-in assignors as pure functions over subscriptions.</summary>
public sealed class AssignorTests
{
    private static Dictionary<string, MemberSubscription> Members(int count, params string[] topics)
        => Enumerable.Range(0, count).ToDictionary(i => $"m{i}", _ => MemberSubscription.For(topics));

    private static int[] Counts(IReadOnlyDictionary<string, MemberAssignment> result)
        => [.. result.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value.Partitions.Count)];

    private static void AssertExactlyOnce(IReadOnlyDictionary<string, MemberAssignment> result, Dictionary<string, int> topics)
    {
        var all = result.Values.SelectMany(a => a.Partitions).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(topics.Values.Sum(), all.Count);
    }

    [Fact]
    public void Range_SevenPartitionsThreeConsumers_Gives3_2_2WithConsecutiveRanges()
    {
        var result = new RangeAssignor().Assign(new Dictionary<string, int> { ["t"] = 7 }, Members(3, "t"));

        Assert.Equal([3, 2, 2], Counts(result));
        Assert.Equal([0, 1, 2], result["m0"].Partitions.Select(p => p.Partition));
        Assert.Equal([3, 4], result["m1"].Partitions.Select(p => p.Partition));
        Assert.Equal([5, 6], result["m2"].Partitions.Select(p => p.Partition));
    }

    [Fact]
    public void Range_TwoTopics_SamePartitionNumbersPerMember()
    {
        var topics = new Dictionary<string, int> { ["a"] = 3, ["b"] = 3 };
        var result = new RangeAssignor().Assign(topics, Members(2, "a", "b"));

        Assert.Equal([4, 2], Counts(result));
        Assert.Equal(["a-0", "a-1", "b-0", "b-1"], result["m0"].Partitions.Select(p => p.ToString()));
        AssertExactlyOnce(result, topics);
    }

    [Fact]
    public void Range_StaticMembersOrderedByInstanceId()
    {
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["a-member"] = MemberSubscription.For("t") with { GroupInstanceId = "z" },
            ["b-member"] = MemberSubscription.For("t") with { GroupInstanceId = "y" },
        };

        var result = new RangeAssignor().Assign(new Dictionary<string, int> { ["t"] = 3 }, subs);

        Assert.Equal(2, result["b-member"].Partitions.Count);
    }

    [Fact]
    public void RoundRobin_SpreadsAcrossTopics_CountsDifferByAtMostOne()
    {
        var topics = new Dictionary<string, int> { ["a"] = 3, ["b"] = 4 };
        var result = new RoundRobinAssignor().Assign(topics, Members(3, "a", "b"));

        Assert.Equal([3, 2, 2], Counts(result));
        Assert.Equal(["a-0", "b-0", "b-3"], result["m0"].Partitions.Select(p => p.ToString()));
        AssertExactlyOnce(result, topics);
    }

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    [InlineData("sticky")]
    [InlineData("cooperative-sticky")]
    public void Assign_MembersOfDifferentTopics_OnlyGetTheirTopics(string name)
    {
        var topics = new Dictionary<string, int> { ["a"] = 4, ["b"] = 2, ["c"] = 1 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["m0"] = MemberSubscription.For("a"),
            ["m1"] = MemberSubscription.For("a", "b"),
            ["m2"] = MemberSubscription.For("b", "missing"),
        };

        var result = PartitionAssignors.Create(name).Assign(topics, subs);

        Assert.All(result, r => Assert.All(r.Value.Partitions, p => Assert.Contains(p.Topic, subs[r.Key].Topics)));
        var all = result.Values.SelectMany(a => a.Partitions).ToList();
        Assert.Equal(6, all.Distinct().Count());
        Assert.Equal(6, all.Count);
        Assert.DoesNotContain(all, p => p.Topic == "c");
    }

    [Fact]
    public void Sticky_MemberLeaves_OnlyItsPartitionsMove()
    {
        var topics = new Dictionary<string, int> { ["t"] = 9 };
        var first = new StickyAssignor().Assign(topics, Members(3, "t"));

        var remaining = new Dictionary<string, MemberSubscription>
        {
            ["m0"] = new(["t"], first["m0"].Partitions, 1),
            ["m2"] = new(["t"], first["m2"].Partitions, 1),
        };
        var second = new StickyAssignor().Assign(topics, remaining);

        Assert.Superset(first["m0"].Partitions.ToHashSet(), second["m0"].Partitions.ToHashSet());
        Assert.Superset(first["m2"].Partitions.ToHashSet(), second["m2"].Partitions.ToHashSet());
        Assert.Equal([5, 4], Counts(second).Order().Reverse());
        AssertExactlyOnce(second, topics);
    }

    [Fact]
    public void Sticky_MemberJoins_MovesOnlyWhatBalanceNeeds()
    {
        var topics = new Dictionary<string, int> { ["t"] = 100 };
        var before = new StickyAssignor().Assign(topics, Members(10, "t"));
        var subs = before.ToDictionary(b => b.Key, b => new MemberSubscription(["t"], b.Value.Partitions, 3));
        subs["new"] = MemberSubscription.For("t");

        var after = new StickyAssignor().Assign(topics, subs);

        var moved = before.Sum(b => b.Value.Partitions.Except(after[b.Key].Partitions).Count());
        Assert.Equal(9, moved);
        Assert.Equal(9, after["new"].Partitions.Count);
        AssertExactlyOnce(after, topics);
    }

    [Fact]
    public void Sticky_PreviousAssignmentInUserData_IsHonoured()
    {
        var assignor = new StickyAssignor();
        var topics = new Dictionary<string, int> { ["t"] = 4 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["a"] = new(["t"], [], -1, assignor.SubscriptionUserData([new("t", 2), new("t", 3)], 5)),
            ["b"] = new(["t"], [], -1, assignor.SubscriptionUserData([new("t", 0), new("t", 1)], 5)),
        };

        var result = assignor.Assign(topics, subs);

        Assert.Equal([2, 3], result["a"].Partitions.Select(p => p.Partition));
        Assert.Equal([0, 1], result["b"].Partitions.Select(p => p.Partition));
    }

    [Fact]
    public void Sticky_DoubleClaim_NewestGenerationWins()
    {
        var topics = new Dictionary<string, int> { ["t"] = 2 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["stale"] = new(["t"], [new("t", 0), new("t", 1)], 1),
            ["fresh"] = new(["t"], [new("t", 0)], 2),
        };

        var result = new StickyAssignor().Assign(topics, subs);

        Assert.Equal([0], result["fresh"].Partitions.Select(p => p.Partition));
        Assert.Equal([1], result["stale"].Partitions.Select(p => p.Partition));
    }

    [Fact]
    public void CooperativeSticky_ThirdMemberJoins_RevokesOnlyWhatMoves_ThenSecondRoundHandsItOver()
    {
        var assignor = new CooperativeStickyAssignor();
        var topics = new Dictionary<string, int> { ["t"] = 4 };
        var first = assignor.Assign(topics, Members(2, "t"));
        Assert.Equal([2, 2], Counts(first));

        // Round 1: the newcomer gets nothing yet; one owner loses exactly one partition, the other nothing.
        var subs = first.ToDictionary(f => f.Key, f => new MemberSubscription(["t"], f.Value.Partitions, 1));
        subs["m2"] = MemberSubscription.For("t");
        var round1 = assignor.Assign(topics, subs);
        Assert.Empty(round1["m2"].Partitions);
        var revoked = first.SelectMany(f => f.Value.Partitions.Except(round1[f.Key].Partitions)).ToList();
        Assert.Single(revoked);
        Assert.Equal(3, round1.Values.Sum(a => a.Partitions.Count));

        // Round 2: the owners report what they kept; the revoked partition goes to the newcomer.
        var subs2 = round1.ToDictionary(r => r.Key, r => new MemberSubscription(["t"], r.Value.Partitions, 2));
        var round2 = assignor.Assign(topics, subs2);
        Assert.Equal(revoked, round2["m2"].Partitions);
        Assert.Equal(round1["m0"].Partitions, round2["m0"].Partitions);
        Assert.Equal(round1["m1"].Partitions, round2["m1"].Partitions);
    }

    [Fact]
    public void CooperativeSticky_MemberLeaves_ItsPartitionsGoStraightToOthers()
    {
        var assignor = new CooperativeStickyAssignor();
        var topics = new Dictionary<string, int> { ["t"] = 4 };
        var first = assignor.Assign(topics, Members(2, "t"));
        var subs = new Dictionary<string, MemberSubscription> { ["m0"] = new(["t"], first["m0"].Partitions, 1) };

        var result = assignor.Assign(topics, subs);

        Assert.Equal(4, result["m0"].Partitions.Count);
    }

    [Fact]
    public void Parse_MixedProtocols_Rejected_UnknownName_Rejected()
    {
        Assert.Equal(["range", "roundrobin"], PartitionAssignors.Parse("range, roundrobin").Select(a => a.Name));
        Assert.Throws<ArgumentException>(() => PartitionAssignors.Parse("range,cooperative-sticky"));
        var unknown = Assert.Throws<ArgumentException>(() => PartitionAssignors.Parse("fancy"));
        Assert.Contains("fancy", unknown.Message);
    }
}
