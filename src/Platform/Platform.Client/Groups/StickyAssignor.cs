using Platform.Protocol;

namespace Platform.Client.Groups;

/// <summary>
/// Kafka's <c>sticky</c> assignor (eager): as balanced as round robin, but a rebalance moves as few
/// partitions as possible. Members report their previous assignment and generation both as owned
/// partitions and in the user data Kafka's Java StickyAssignor uses, so it works with older members.
/// </summary>
public sealed class StickyAssignor : IPartitionAssignor
{
    /// <summary>The protocol name.</summary>
    public const string AssignorName = "sticky";

    /// <inheritdoc />
    public string Name => AssignorName;

    /// <inheritdoc />
    public RebalanceProtocol Protocol => RebalanceProtocol.Eager;

    /// <inheritdoc />
    public byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId)
    {
        ArgumentNullException.ThrowIfNull(ownedPartitions);
        using var writer = new KafkaWriter();
        var byTopic = ownedPartitions.GroupBy(p => p.Topic).ToList();
        writer.WriteArrayLength(byTopic.Count, compact: false);
        foreach (var topic in byTopic)
        {
            writer.WriteString(topic.Key, compact: false);
            writer.WriteArrayLength(topic.Count(), compact: false);
            foreach (var tp in topic)
            {
                writer.WriteInt32(tp.Partition);
            }
        }

        writer.WriteInt32(generationId);
        return writer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, MemberAssignment> Assign(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(partitionsPerTopic);
        ArgumentNullException.ThrowIfNull(subscriptions);
        var plan = StickyPlanner.Create(partitionsPerTopic, subscriptions, Previous);
        return AssignorSupport.ToResult(subscriptions, plan.Assigned);
    }

    /// <summary>Owned partitions and generation from the subscription, else from the user data (v0: no generation).</summary>
    internal static (IReadOnlyList<TopicPartition> Owned, int Generation) Previous(MemberSubscription subscription)
    {
        if (subscription.OwnedPartitions.Count > 0 || subscription.UserData is not { Length: > 0 } data)
        {
            return (subscription.OwnedPartitions, subscription.GenerationId);
        }

        try
        {
            var reader = new KafkaReader(data);
            var owned = new List<TopicPartition>();
            var topics = reader.ReadArrayLength(compact: false);
            for (var t = 0; t < topics; t++)
            {
                var topic = reader.ReadString(compact: false);
                var partitions = reader.ReadArrayLength(compact: false);
                for (var p = 0; p < partitions; p++)
                {
                    owned.Add(new TopicPartition(topic, reader.ReadInt32()));
                }
            }

            var generation = reader.Remaining >= 4 ? reader.ReadInt32() : subscription.GenerationId;
            return (owned, generation);
        }
        catch (ProtocolException)
        {
            // Foreign or corrupt user data: treat the member as owning nothing.
            return ([], -1);
        }
    }
}
