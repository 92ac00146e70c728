using Platform.Client.Groups;

namespace Platform.Client.Admin;

/// <summary>A consumer group as <see cref="IAdminClient.DescribeConsumerGroupsAsync"/> sees it.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="IsSimpleConsumerGroup">Whether the group only stores offsets (empty protocol type).</param>
/// <param name="Members">Its members with their assignments, sorted by client id then member id.</param>
/// <param name="PartitionAssignor">The assignor the group chose (<c>range</c>, ...), empty when not stable.</param>
/// <param name="State">Its state.</param>
/// <param name="Coordinator">The broker coordinating it.</param>
/// <param name="Error">Why it could not be described, or no error.</param>
public sealed record ConsumerGroupDescription(
    string GroupId,
    bool IsSimpleConsumerGroup,
    IReadOnlyList<MemberDescription> Members,
    string PartitionAssignor,
    ConsumerGroupState State,
    Node? Coordinator,
    Error Error);

/// <summary>One member of a described group.</summary>
/// <param name="ConsumerId">The member id the coordinator gave it.</param>
/// <param name="GroupInstanceId">Its <c>group.instance.id</c> (static membership), or null.</param>
/// <param name="ClientId">Its <c>client.id</c>.</param>
/// <param name="Host">The address it connects from.</param>
/// <param name="Assignment">Its partitions, decoded from the consumer protocol (empty for other protocols).</param>
/// <param name="Topics">The topics it subscribed to, decoded from its metadata.</param>
public sealed record MemberDescription(
    string ConsumerId,
    string? GroupInstanceId,
    string ClientId,
    string Host,
    MemberAssignment Assignment,
    IReadOnlyList<string> Topics);

/// <summary>The result of <see cref="IAdminClient.DescribeConsumerGroupsAsync"/>.</summary>
/// <param name="ConsumerGroupDescriptions">One description per group, in the order asked.</param>
public sealed record DescribeConsumerGroupsResult(IReadOnlyList<ConsumerGroupDescription> ConsumerGroupDescriptions);
