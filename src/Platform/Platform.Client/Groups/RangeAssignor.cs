namespace Platform.Client.Groups;

/// <summary>
/// Kafka's default <c>range</c> assignor: topic by topic, the partitions are cut into consecutive
/// ranges, one per subscribed member in member order; with <c>n</c> partitions over <c>c</c> members
/// the first <c>n % c</c> members get <c>n / c + 1</c>, the others <c>n / c</c> (7 over 3: 3, 2, 2).
/// Members reading several topics therefore get the same partition numbers of each, which suits joins.
/// </summary>
public sealed class RangeAssignor : IPartitionAssignor
{
    /// <summary>The protocol name.</summary>
    public const string AssignorName = "range";

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
        var topics = subscriptions.Values.SelectMany(s => s.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            if (!partitionsPerTopic.TryGetValue(topic, out var count))
            {
                continue;
            }

            var readers = members.Where(m => subscriptions[m].Topics.Contains(topic, StringComparer.Ordinal)).ToList();
            var each = count / readers.Count;
            var extra = count % readers.Count;
            for (var i = 0; i < readers.Count; i++)
            {
                var start = (each * i) + Math.Min(i, extra);
                var length = each + (i < extra ? 1 : 0);
                for (var p = start; p < start + length; p++)
                {
                    assigned[readers[i]].Add(new TopicPartition(topic, p));
                }
            }
        }

        return AssignorSupport.ToResult(subscriptions, assigned);
    }
}
