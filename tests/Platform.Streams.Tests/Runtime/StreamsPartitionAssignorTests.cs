using Platform.Client;
using Platform.Client.Groups;
using Platform.Streams.Processors;
using Platform.Streams.Runtime.Assignment;

namespace Platform.Streams.Tests.Runtime;

/// <summary>The Streams assignor as a pure function over the members' subscriptions.</summary>
public sealed class StreamsPartitionAssignorTests
{
    private static readonly Guid ProcessA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid ProcessB = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid ProcessC = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    private static readonly SubtopologySources[] Joined =
    [
        new(0, ["left", "right"], null, Stateful: true),
    ];

    private static StreamsPartitionAssignor Assignor(IReadOnlyList<SubtopologySources> subtopologies, int standbys = 0)
        => new(subtopologies, Guid.NewGuid(), null, standbys, () => (new Dictionary<TaskId, long>(), new HashSet<TaskId>()));

    private static MemberSubscription Member(Guid process, string? endpoint = null, Dictionary<TaskId, long>? sums = null, HashSet<TaskId>? own = null, params string[] topics)
        => new(topics, [], -1, new SubscriptionInfo(process, endpoint, sums ?? [], own ?? []).Encode());

    private static Dictionary<string, AssignmentInfo> Decode(IReadOnlyDictionary<string, MemberAssignment> result)
        => result.ToDictionary(r => r.Key, r => AssignmentInfo.Decode(r.Value.UserData!));

    [Fact]
    public void Assign_CoPartitionedTopics_SamePartitionNumberOfBothTopicsInOneTask()
    {
        var topics = new Dictionary<string, int> { ["left"] = 3, ["right"] = 3 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["m1"] = Member(ProcessA, topics: ["left", "right"]),
            ["m2"] = Member(ProcessB, topics: ["left", "right"]),
        };

        var result = Assignor(Joined).Assign(topics, subs);

        var all = result.Values.SelectMany(a => a.Partitions).ToList();
        Assert.Equal(6, all.Distinct().Count());
        foreach (var assignment in result.Values)
        {
            var byPartition = assignment.Partitions.GroupBy(p => p.Partition);
            Assert.All(byPartition, g => Assert.Equal(["left", "right"], g.Select(p => p.Topic).Order()));
        }

        var infos = Decode(result);
        Assert.Equal(3, infos.Values.Sum(i => i.ActiveTasks.Count));
        Assert.Equal([new TopicPartition("left", 1), new TopicPartition("right", 1)], infos.Values.SelectMany(i => i.ActiveTasks).Single(t => t.Key == new TaskId(0, 1)).Value);
    }

    [Fact]
    public void Assign_PreviousOwnersRejoin_EveryStatefulTaskStaysPut()
    {
        var topics = new Dictionary<string, int> { ["left"] = 4, ["right"] = 4 };
        var running = SubscriptionInfo.RunningActive;
        var subs = new Dictionary<string, MemberSubscription>
        {
            // Member ids sort the other way round from the tasks they ran: stickiness, not order, decides.
            ["a"] = Member(ProcessA, sums: new() { [new(0, 2)] = running, [new(0, 3)] = running }, own: [new(0, 2), new(0, 3)], topics: ["left", "right"]),
            ["b"] = Member(ProcessB, sums: new() { [new(0, 0)] = running, [new(0, 1)] = running }, own: [new(0, 0), new(0, 1)], topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined).Assign(topics, subs));

        Assert.Equal([new TaskId(0, 2), new TaskId(0, 3)], infos["a"].ActiveTasks.Keys.Order());
        Assert.Equal([new TaskId(0, 0), new TaskId(0, 1)], infos["b"].ActiveTasks.Keys.Order());
    }

    [Fact]
    public void Assign_SecondInstanceJoins_HalfTheTasksMoveAndTheRestStay()
    {
        var topics = new Dictionary<string, int> { ["left"] = 4, ["right"] = 4 };
        var running = SubscriptionInfo.RunningActive;
        var all = Enumerable.Range(0, 4).Select(p => new TaskId(0, p)).ToHashSet();
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["a"] = Member(ProcessA, sums: all.ToDictionary(t => t, _ => running), own: all, topics: ["left", "right"]),
            ["b"] = Member(ProcessB, topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined).Assign(topics, subs));

        Assert.Equal(2, infos["a"].ActiveTasks.Count);
        Assert.Equal(2, infos["b"].ActiveTasks.Count);
        Assert.Subset(all, infos["a"].ActiveTasks.Keys.ToHashSet());
    }

    [Fact]
    public void Assign_OneStandbyReplica_EachStatefulTaskHasItsStandbyOnTheOtherInstance()
    {
        var topics = new Dictionary<string, int> { ["left"] = 2, ["right"] = 2 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["a"] = Member(ProcessA, topics: ["left", "right"]),
            ["b"] = Member(ProcessB, topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined, standbys: 1).Assign(topics, subs));

        foreach (var (member, info) in infos)
        {
            var other = infos[member == "a" ? "b" : "a"];
            Assert.Equal(info.ActiveTasks.Keys.Order(), other.StandbyTasks.Order());
        }
    }

    [Fact]
    public void Assign_ActiveOwnerGone_TaskGoesToTheInstanceWithItsStandbyState()
    {
        var topics = new Dictionary<string, int> { ["left"] = 1, ["right"] = 1 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["b"] = Member(ProcessB, topics: ["left", "right"]),
            ["c"] = Member(ProcessC, sums: new() { [new(0, 0)] = 1234 }, topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined, standbys: 1).Assign(topics, subs));

        Assert.Equal([new TaskId(0, 0)], infos["c"].ActiveTasks.Keys);
        Assert.Equal([new TaskId(0, 0)], infos["b"].StandbyTasks);
    }

    [Fact]
    public void Assign_TwoThreadsOfOneInstance_TasksSplitAndStayWithTheirThread()
    {
        var topics = new Dictionary<string, int> { ["left"] = 4, ["right"] = 4 };
        var running = SubscriptionInfo.RunningActive;
        var sums = Enumerable.Range(0, 4).ToDictionary(p => new TaskId(0, p), _ => running);
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["t1"] = Member(ProcessA, sums: sums, own: [new(0, 1), new(0, 3)], topics: ["left", "right"]),
            ["t2"] = Member(ProcessA, sums: sums, own: [new(0, 0), new(0, 2)], topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined).Assign(topics, subs));

        Assert.Equal([new TaskId(0, 1), new TaskId(0, 3)], infos["t1"].ActiveTasks.Keys.Order());
        Assert.Equal([new TaskId(0, 0), new TaskId(0, 2)], infos["t2"].ActiveTasks.Keys.Order());
    }

    [Fact]
    public void Assign_SourceTopicMissing_EveryMemberGetsAnErrorNamingIt()
    {
        var topics = new Dictionary<string, int> { ["left"] = 2 };
        var subs = new Dictionary<string, MemberSubscription> { ["a"] = Member(ProcessA, topics: ["left", "right"]) };

        var info = Decode(Assignor(Joined).Assign(topics, subs))["a"];

        Assert.Empty(info.ActiveTasks);
        Assert.Contains("right", info.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_Endpoints_PartitionsByHostNameEveryInstancesPartitions()
    {
        var topics = new Dictionary<string, int> { ["left"] = 2, ["right"] = 2 };
        var subs = new Dictionary<string, MemberSubscription>
        {
            ["a"] = Member(ProcessA, "host-a:1", topics: ["left", "right"]),
            ["b"] = Member(ProcessB, "host-b:1", topics: ["left", "right"]),
        };

        var infos = Decode(Assignor(Joined, standbys: 1).Assign(topics, subs));

        var a = infos["a"];
        Assert.Equal(infos["b"].PartitionsByHost["host-a:1"], a.PartitionsByHost["host-a:1"]);
        Assert.Equal(a.ActiveTasks.Values.SelectMany(p => p).ToHashSet(), a.PartitionsByHost["host-a:1"]);
        Assert.Equal(a.StandbyTasks.Count * 2, a.StandbyPartitionsByHost["host-a:1"].Count);
    }

    [Fact]
    public void OnAssignment_LeaderWithoutUserData_ReportsAForeignLeader()
    {
        var assignor = Assignor(Joined);

        assignor.OnAssignment(new MemberAssignment([]), 3);

        Assert.Contains("not a Streams instance", assignor.LatestAssignment!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscriptionInfo_EncodeDecode_RoundTrips()
    {
        var info = new SubscriptionInfo(ProcessA, "h:9", new Dictionary<TaskId, long> { [new(1, 2)] = 42, [new(0, 0)] = -2 }, new HashSet<TaskId> { new(0, 0) });

        var back = SubscriptionInfo.Decode(info.Encode());

        Assert.Equal(ProcessA, back.ProcessId);
        Assert.Equal("h:9", back.Endpoint);
        Assert.Equal(42, back.TaskOffsetSums[new TaskId(1, 2)]);
        Assert.Equal([new TaskId(0, 0)], back.ThreadTasks);
    }
}
