namespace Platform.Client.Groups;

/// <summary>
/// Decides which member of a consumer group reads which partition. The group leader runs it over
/// every member's subscription; the name is the protocol name sent in JoinGroup, so members of
/// other clients (Java, librdkafka, kafkajs) that use the same name interoperate.
/// </summary>
public interface IPartitionAssignor
{
    /// <summary>The protocol name: <c>range</c>, <c>roundrobin</c>, <c>sticky</c>, <c>cooperative-sticky</c>.</summary>
    string Name { get; }

    /// <summary>Whether members keep their partitions during a rebalance (<see cref="RebalanceProtocol.Cooperative"/>).</summary>
    RebalanceProtocol Protocol { get; }

    /// <summary>
    /// The user data this member sends in its subscription, given what it owns and the generation
    /// it got it in; null for none.
    /// </summary>
    byte[]? SubscriptionUserData(IReadOnlyCollection<TopicPartition> ownedPartitions, int generationId);

    /// <summary>
    /// Assigns the partitions of the subscribed topics to the members. Topics missing from
    /// <paramref name="partitionsPerTopic"/> are not assigned. Every member gets an entry, maybe empty.
    /// </summary>
    /// <param name="partitionsPerTopic">The partition count of each topic known to exist.</param>
    /// <param name="subscriptions">Every member's subscription by member id.</param>
    IReadOnlyDictionary<string, MemberAssignment> Assign(
        IReadOnlyDictionary<string, int> partitionsPerTopic,
        IReadOnlyDictionary<string, MemberSubscription> subscriptions);

    /// <summary>
    /// Called on every member (on its polling thread) with what the leader handed it, after each
    /// successful SyncGroup and before the rebalance listener runs: assignors that carry more than
    /// partitions in <see cref="MemberAssignment.UserData"/> (Connect's worker assignments) read it here.
    /// </summary>
    void OnAssignment(MemberAssignment assignment, int generationId)
    {
    }
}
