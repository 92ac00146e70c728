namespace Platform.Cluster.Tests;

public class ReplicaPlacementTests
{
    private static PlacementBroker[] Brokers(int count) => [.. Enumerable.Range(0, count).Select(i => new PlacementBroker(i))];

    [Fact]
    public void Assign_FixedStart_MatchesKafkasLayout()
    {
        // Leaders walk round the brokers; once round, the followers' shift grows by one (Kafka's AdminUtils layout).
        var replicas = ReplicaPlacement.Assign(Brokers(5), partitions: 10, replicationFactor: 3, startIndex: 0);

        int[][] expected =
        [
            [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
            [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
        ];
        Assert.Equal(expected, replicas);
    }

    [Fact]
    public void Assign_EightBrokers_SpreadsLeadersAndReplicasEvenly()
    {
        var replicas = ReplicaPlacement.Assign(Brokers(8), partitions: 16, replicationFactor: 3);

        Assert.All(replicas, r => Assert.Equal(3, r.Distinct().Count()));
        Assert.All(replicas.GroupBy(r => r[0]), g => Assert.Equal(2, g.Count()));
        Assert.All(replicas.SelectMany(r => r).GroupBy(b => b), g => Assert.Equal(6, g.Count()));
        Assert.Equal(8, replicas.Select(r => r[0]).Distinct().Count());
    }

    [Fact]
    public void Assign_FollowersOfOneLeader_DifferAcrossRounds()
    {
        // Two partitions led by the same broker don't also put their followers on the same brokers.
        var replicas = ReplicaPlacement.Assign(Brokers(4), partitions: 8, replicationFactor: 2, startIndex: 0);

        Assert.NotEqual(replicas[0][1], replicas[4][1]);
    }

    [Fact]
    public void Assign_WithRacks_PutsEachReplicaOfAPartitionInAnotherRack()
    {
        PlacementBroker[] brokers =
        [
            new(0, "a"), new(1, "a"), new(2, "b"), new(3, "b"), new(4, "c"), new(5, "c"),
        ];

        var replicas = ReplicaPlacement.Assign(brokers, partitions: 12, replicationFactor: 3);

        var rackOf = brokers.ToDictionary(b => b.Id, b => b.Rack);
        Assert.All(replicas, r => Assert.Equal(3, r.Select(b => rackOf[b]).Distinct().Count()));
        Assert.All(replicas.GroupBy(r => r[0]), g => Assert.Equal(2, g.Count()));
        Assert.All(replicas.SelectMany(r => r).GroupBy(b => b), g => Assert.Equal(6, g.Count()));
    }

    [Fact]
    public void Assign_MoreReplicasThanRacks_UsesEveryRackBeforeRepeatingOne()
    {
        PlacementBroker[] brokers = [new(0, "a"), new(1, "a"), new(2, "b"), new(3, "b")];

        var replicas = ReplicaPlacement.Assign(brokers, partitions: 4, replicationFactor: 3);

        Assert.All(replicas, r =>
        {
            Assert.Equal(3, r.Distinct().Count());
            Assert.Equal(2, r.Select(b => brokers[b].Rack).Distinct().Count());
        });
    }

    [Fact]
    public void RackAlternated_TakesOneBrokerPerRackInTurn()
    {
        PlacementBroker[] brokers = [new(5, "b"), new(1, "a"), new(2, "a"), new(9, "c"), new(3, "b")];

        Assert.Equal([1, 3, 9, 2, 5], ReplicaPlacement.RackAlternated(brokers));
    }

    [Fact]
    public void Assign_FromALaterPartition_ContinuesTheLayout()
    {
        // CreatePartitions places new partitions where a topic created with them would have had them.
        var all = ReplicaPlacement.Assign(Brokers(5), partitions: 10, replicationFactor: 3, startIndex: 1);
        var tail = ReplicaPlacement.Assign(Brokers(5), partitions: 4, replicationFactor: 3, firstPartition: 6, startIndex: 1);

        Assert.Equal(all.Skip(6), tail);
    }

    [Fact]
    public void Assign_ReplicationFactorAboveBrokers_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ReplicaPlacement.Assign(Brokers(2), partitions: 1, replicationFactor: 3));
        Assert.Contains("larger than available brokers: 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_SomeBrokersWithoutRack_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ReplicaPlacement.Assign([new(0, "a"), new(1)], partitions: 1, replicationFactor: 1));
        Assert.Contains("broker.rack", ex.Message, StringComparison.Ordinal);
    }
}
