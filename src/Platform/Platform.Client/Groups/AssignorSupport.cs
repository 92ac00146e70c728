namespace Platform.Client.Groups;

/// <summary>Helpers the built-in assignors share.</summary>
internal static class AssignorSupport
{
    /// <summary>
    /// Kafka's member order: static members (by <c>group.instance.id</c>) before dynamic ones (by member id),
    /// so a static member restarting with a new member id keeps its place and its partitions.
    /// </summary>
    public static List<string> OrderedMembers(IReadOnlyDictionary<string, MemberSubscription> subscriptions)
        => [.. subscriptions
            .OrderBy(s => s.Value.GroupInstanceId is null ? 1 : 0)
            .ThenBy(s => s.Value.GroupInstanceId ?? s.Key, StringComparer.Ordinal)
            .ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => s.Key)];

    /// <summary>Every partition of every topic someone subscribes to and that exists, by topic then partition.</summary>
    public static List<TopicPartition> AllPartitions(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions)
        => [.. subscriptions.Values
            .SelectMany(s => s.Topics)
            .Distinct(StringComparer.Ordinal)
            .Where(partitionsPerTopic.ContainsKey)
            .Order(StringComparer.Ordinal)
            .SelectMany(t => Enumerable.Range(0, partitionsPerTopic[t]).Select(p => new TopicPartition(t, p)))];

    /// <summary>Builds the result, giving every member an entry, partitions sorted.</summary>
    public static Dictionary<string, MemberAssignment> ToResult(
        IReadOnlyDictionary<string, MemberSubscription> subscriptions,
        IReadOnlyDictionary<string, List<TopicPartition>> assigned)
        => subscriptions.Keys.ToDictionary(
            m => m,
            m => new MemberAssignment(assigned.TryGetValue(m, out var list) ? Sorted(list) : []),
            StringComparer.Ordinal);

    public static List<TopicPartition> Sorted(IEnumerable<TopicPartition> partitions)
        => [.. partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)];
}
