namespace Platform.Cluster;

/// <summary>A broker as replica placement sees it: its id and, when <c>broker.rack</c> is set, its rack.</summary>
public readonly record struct PlacementBroker(int Id, string? Rack = null);

/// <summary>
/// Chooses the replicas of new partitions the way Kafka does, so leaders and followers spread evenly:
/// the first replica (the preferred leader) of consecutive partitions walks round the brokers from a
/// start index, and the followers sit at a shift from it that grows by one each time the partitions have
/// gone once round the brokers, so two partitions with the same leader don't also share their followers.
/// The shift is computed from the partition number, so partitions added later (CreatePartitions, with the
/// topic's start index) land where they would have had the topic been created with them.
/// When every broker has a rack, the brokers are ordered rack by rack alternately and a partition takes at
/// most one replica per rack until every rack has one. Without fixed start values, the start index and
/// shift are random, so the leaders of many small topics don't all land on the first broker.
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>
    /// Replicas for partitions <paramref name="firstPartition"/> .. <paramref name="firstPartition"/> +
    /// <paramref name="partitions"/> - 1, each list in preference order (its first broker is the preferred leader).
    /// </summary>
    /// <param name="startIndex">Where the first replica of partition 0 starts and the first follower shift; random when null.</param>
    /// <exception cref="ArgumentException">The replication factor is not between 1 and the number of brokers, or
    /// only some brokers have a rack (Kafka refuses that too: rack-aware placement needs every rack).</exception>
    public static IReadOnlyList<int[]> Assign(
        IReadOnlyCollection<PlacementBroker> brokers, int partitions, short replicationFactor, int firstPartition = 0, int? startIndex = null)
    {
        ArgumentNullException.ThrowIfNull(brokers);
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        ArgumentOutOfRangeException.ThrowIfNegative(firstPartition);
        if (replicationFactor <= 0)
        {
            throw new ArgumentException($"Replication factor must be larger than 0, not {replicationFactor}.", nameof(replicationFactor));
        }

        if (replicationFactor > brokers.Count)
        {
            throw new ArgumentException(
                $"Replication factor: {replicationFactor} larger than available brokers: {brokers.Count}.", nameof(replicationFactor));
        }

        var withRack = brokers.Count(b => b.Rack is not null);
        if (withRack != 0 && withRack != brokers.Count)
        {
            throw new ArgumentException(
                "Not all brokers have rack information (broker.rack): set it on every broker or on none.", nameof(brokers));
        }

        var start = startIndex ?? Random.Shared.Next(brokers.Count);
        var shift = startIndex ?? Random.Shared.Next(brokers.Count);
        return withRack == 0
            ? AssignWithoutRacks([.. brokers.Select(b => b.Id).Order()], partitions, replicationFactor, firstPartition, start, shift)
            : AssignAcrossRacks(brokers, partitions, replicationFactor, firstPartition, start, shift);
    }

    private static int[][] AssignWithoutRacks(int[] brokers, int partitions, int replicationFactor, int firstPartition, int start, int shift)
    {
        var result = new int[partitions][];
        for (var i = 0; i < partitions; i++)
        {
            var partition = firstPartition + i;
            var first = (partition + start) % brokers.Length;
            var followerShift = shift + (partition / brokers.Length);
            var replicas = new int[replicationFactor];
            replicas[0] = brokers[first];
            for (var j = 0; j < replicationFactor - 1; j++)
            {
                replicas[j + 1] = brokers[FollowerIndex(first, followerShift, j, brokers.Length)];
            }

            result[i] = replicas;
        }

        return result;
    }

    private static int[][] AssignAcrossRacks(
        IReadOnlyCollection<PlacementBroker> brokers, int partitions, int replicationFactor, int firstPartition, int start, int shift)
    {
        var rackOf = brokers.ToDictionary(b => b.Id, b => b.Rack!);
        var arranged = RackAlternated(brokers);
        var rackCount = rackOf.Values.Distinct().Count();
        var result = new int[partitions][];
        var racksUsed = new HashSet<string>();
        var brokersUsed = new HashSet<int>();
        for (var i = 0; i < partitions; i++)
        {
            var partition = firstPartition + i;
            var first = (partition + start) % arranged.Length;
            var followerShift = shift + (partition / arranged.Length);
            var replicas = new int[replicationFactor];
            replicas[0] = arranged[first];
            racksUsed.Clear();
            brokersUsed.Clear();
            racksUsed.Add(rackOf[replicas[0]]);
            brokersUsed.Add(replicas[0]);
            var k = 0;
            for (var j = 1; j < replicationFactor; j++)
            {
                while (true)
                {
                    var candidate = arranged[FollowerIndex(first, followerShift * rackCount, k++, arranged.Length)];
                    var rack = rackOf[candidate];
                    // A rack (and a broker) is taken twice only once every rack (every broker) has a replica.
                    if ((!racksUsed.Contains(rack) || racksUsed.Count == rackCount)
                        && (!brokersUsed.Contains(candidate) || brokersUsed.Count == arranged.Length))
                    {
                        replicas[j] = candidate;
                        racksUsed.Add(rack);
                        brokersUsed.Add(candidate);
                        break;
                    }
                }
            }

            result[i] = replicas;
        }

        return result;
    }

    /// <summary>Brokers ordered one per rack in turn (racks and brokers sorted), e.g. a1, b1, c1, a2, b2, ...</summary>
    internal static int[] RackAlternated(IReadOnlyCollection<PlacementBroker> brokers)
    {
        var byRack = brokers
            .GroupBy(b => b.Rack!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Queue<int>(g.Select(b => b.Id).Order()))
            .ToArray();
        var result = new List<int>(brokers.Count);
        while (result.Count < brokers.Count)
        {
            foreach (var rack in byRack)
            {
                if (rack.TryDequeue(out var id))
                {
                    result.Add(id);
                }
            }
        }

        return [.. result];
    }

    private static int FollowerIndex(int first, int shift, int follower, int brokerCount)
        => (first + 1 + ((shift + follower) % (brokerCount - 1))) % brokerCount;
}
