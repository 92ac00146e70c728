namespace Platform.Client.Groups;

/// <summary>
/// What one member sends when it joins: the topics it wants and what it owns now. The wire form is
/// Kafka's <c>ConsumerProtocolSubscription</c> (see <see cref="ConsumerProtocol"/>).
/// </summary>
/// <param name="Topics">The topics the member is subscribed to.</param>
/// <param name="OwnedPartitions">The partitions the member owns (version 1+).</param>
/// <param name="GenerationId">The generation in which it got them, or -1 (version 2+).</param>
/// <param name="UserData">Assignor-specific bytes, or null.</param>
/// <param name="RackId">The member's rack, or null (version 3+).</param>
public sealed record MemberSubscription(
    IReadOnlyList<string> Topics,
    IReadOnlyList<TopicPartition> OwnedPartitions,
    int GenerationId = -1,
    byte[]? UserData = null,
    string? RackId = null)
{
    /// <summary>The member's <c>group.instance.id</c> (static membership), known to the leader from JoinGroup; not encoded.</summary>
    public string? GroupInstanceId { get; init; }

    /// <summary>A subscription to <paramref name="topics"/> owning nothing.</summary>
    public static MemberSubscription For(params string[] topics) => new(topics, []);
}
