namespace Platform.Client.Groups;

/// <summary>
/// Kafka's <c>roundrobin</c> assignor: all partitions of all subscribed topics, sorted by topic and
/// partition, dealt out one at a time to the members in member order, skipping members that do not
/// read the partition's topic. With equal subscriptions counts differ by at most one.
/// </summary>
public sealed class RoundRobinAssignor : IPartitionAssignor
{
    /// <summary>The protocol name.</summary>
    public const string AssignorName = "roundrobin";

    /// <inheritdoc />
    public string Name => AssignorName;

    /// <inheritdoc />
    public RebalanceProtocol Protocol => RebalanceProtocol.Eager;

    /// <inheritdoc />
    public byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId) => null;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, MemberAssignment> Assign(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(partitionsPerTopic);
        ArgumentNullException.ThrowIfNull(subscriptions);
        var members = AssignorSupport.OrderedMembers(subscriptions);
        var assigned = members.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        var next = 0;
        foreach (var partition in AssignorSupport.AllPartitions(partitionsPerTopic, subscriptions))
        {
            // Someone subscribes to every listed topic, so this ends within one turn.
            while (!subscriptions[members[next]].Topics.Contains(partition.Topic, StringComparer.Ordinal))
            {
                next = (next + 1) % members.Count;
            }

            assigned[members[next]].Add(partition);
            next = (next + 1) % members.Count;
        }

        return AssignorSupport.ToResult(subscriptions, assigned);
    }
}
