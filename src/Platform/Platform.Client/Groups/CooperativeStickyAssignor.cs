using System.Buffers.Binary;

namespace Platform.Client.Groups;

/// <summary>
/// Kafka's <c>cooperative-sticky</c> assignor: the sticky plan, but members keep their partitions
/// during the rebalance. A partition moving to another member is left out of this round's
/// assignment; its owner sees it missing, revokes just that partition and rejoins at once, and the
/// follow-up rebalance hands it to its new member. Unaffected partitions are never interrupted.
/// </summary>
public sealed class CooperativeStickyAssignor : IPartitionAssignor
{
    /// <summary>The protocol name.</summary>
    public const string AssignorName = "cooperative-sticky";

    /// <inheritdoc />
    public string Name => AssignorName;

    /// <inheritdoc />
    public RebalanceProtocol Protocol => RebalanceProtocol.Cooperative;

    /// <summary>The generation as an int32, as Java's CooperativeStickyAssignor sends it for members of subscription v0/v1.</summary>
    public byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(data, generationId);
        return data;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, MemberAssignment> Assign(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(partitionsPerTopic);
        ArgumentNullException.ThrowIfNull(subscriptions);
        var plan = StickyPlanner.Create(partitionsPerTopic, subscriptions, Previous);
        foreach (var (member, partitions) in plan.Assigned)
        {
            // Still owned by someone else: it must be revoked there before it is handed out.
            partitions.RemoveAll(tp => plan.PreviousOwners.TryGetValue(tp, out var owner) && owner != member);
        }

        return AssignorSupport.ToResult(subscriptions, plan.Assigned);
    }

    private static (IReadOnlyList<TopicPartition> Owned, int Generation) Previous(MemberSubscription subscription)
    {
        var generation = subscription.GenerationId;
        if (generation < 0 && subscription.UserData is { Length: >= 4 } data)
        {
            generation = BinaryPrimitives.ReadInt32BigEndian(data);
        }

        return (subscription.OwnedPartitions, generation);
    }
}
