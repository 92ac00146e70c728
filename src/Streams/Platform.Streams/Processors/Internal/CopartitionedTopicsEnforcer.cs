using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// The start-up check of co-partitioning (Kafka's <c>CopartitionedTopicsEnforcer</c>): the input topics of a
/// join (a co-partition group) must have the same number of partitions, so that partition <c>n</c> of each
/// holds the same keys and one task sees both sides of a key. User topics that differ stop the start with a
/// message naming them; repartition topics in the group are created with the user topics' count.
/// </summary>
internal static class CopartitionedTopicsEnforcer
{
    /// <summary>
    /// Checks every co-partition group of user topics against <paramref name="partitionCounts"/> (topic →
    /// partition count from the cluster's metadata).
    /// </summary>
    /// <exception cref="TopologyException">A group's topics have different partition counts, or a topic is unknown.</exception>
    public static void Validate(IEnumerable<IReadOnlyCollection<string>> copartitionGroups, IReadOnlyDictionary<string, int> partitionCounts)
    {
        ArgumentNullException.ThrowIfNull(copartitionGroups);
        ArgumentNullException.ThrowIfNull(partitionCounts);
        foreach (var group in copartitionGroups)
        {
            Enforce(group, _ => false, topic => partitionCounts.TryGetValue(topic, out var count) ? count : null, _ => false);
        }
    }

    /// <summary>
    /// Checks one co-partition group and returns the partition count its repartition topics must be created with.
    /// </summary>
    /// <param name="group">The group's topics.</param>
    /// <param name="isRepartitionTopic">Whether a topic is one of the application's repartition topics.</param>
    /// <param name="partitionCountOf">A topic's partition count: user topics from the metadata, repartition topics as computed so far; null when unknown.</param>
    /// <param name="isFixedCount">Whether a repartition topic's count was fixed by the user (<c>Repartitioned.WithNumberOfPartitions</c>) and may not change.</param>
    /// <exception cref="TopologyException">The user topics' counts differ, a user topic is unknown, or a fixed repartition count disagrees.</exception>
    public static int Enforce(IReadOnlyCollection<string> group, Func<string, bool> isRepartitionTopic, Func<string, int?> partitionCountOf, Func<string, bool> isFixedCount)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Count == 0)
        {
            throw new ArgumentException("A co-partition group has at least one topic.", nameof(group));
        }

        var userTopics = group.Where(topic => !isRepartitionTopic(topic)).OrderBy(topic => topic, StringComparer.Ordinal).ToList();
        var repartitionTopics = group.Where(isRepartitionTopic).OrderBy(topic => topic, StringComparer.Ordinal).ToList();
        if (userTopics.Count == 0)
        {
            return EnforceAmongRepartitionTopics(repartitionTopics, partitionCountOf, isFixedCount);
        }

        var counts = userTopics.Select(topic => (Topic: topic, Count: partitionCountOf(topic) ?? throw new TopologyException($"Topic not found: {topic} (an input of a join, needed to check co-partitioning).")))
            .ToList();
        var count = counts[0].Count;
        if (counts.Any(c => c.Count != count))
        {
            throw new TopologyException($"Topics not co-partitioned: [{Describe(counts)}]. Joined topics must have the same number of partitions.");
        }

        foreach (var topic in repartitionTopics)
        {
            if (isFixedCount(topic) && partitionCountOf(topic) is { } fixedCount && fixedCount != count)
            {
                throw new TopologyException($"Number of partitions [{fixedCount}] of repartition topic [{topic}] doesn't match number of partitions [{count}] of the source topic [{userTopics[0]}].");
            }
        }

        return count;
    }

    private static int EnforceAmongRepartitionTopics(List<string> topics, Func<string, int?> partitionCountOf, Func<string, bool> isFixedCount)
    {
        var fixedCounts = topics.Where(isFixedCount).Select(topic => (Topic: topic, Count: partitionCountOf(topic) ?? 0)).ToList();
        if (fixedCounts.Count > 0)
        {
            return fixedCounts.All(c => c.Count == fixedCounts[0].Count)
                ? fixedCounts[0].Count
                : throw new TopologyException($"Following topics do not have the same number of partitions: [{Describe(fixedCounts)}].");
        }

        var known = topics.Select(partitionCountOf).Where(c => c is not null).Select(c => c!.Value).ToList();
        return known.Count > 0
            ? known.Max()
            : throw new TopologyException($"The partition count of the repartition topics [{string.Join(", ", topics)}] is not known yet.");
    }

    private static string Describe(IEnumerable<(string Topic, int Count)> counts)
        => string.Join(", ", counts.Select(c => $"{c.Topic} ({c.Count} partition{(c.Count == 1 ? "" : "s")})"));
}
