namespace Platform.Client.Admin;

/// <summary>One group in <see cref="ListConsumerGroupsResult"/>.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="IsSimpleConsumerGroup">Whether the group only stores offsets (no members ever joined; empty protocol type).</param>
/// <param name="State">Its state.</param>
public sealed record ConsumerGroupListing(string GroupId, bool IsSimpleConsumerGroup, ConsumerGroupState State);

/// <summary>The result of <see cref="IAdminClient.ListConsumerGroupsAsync"/>.</summary>
/// <param name="Valid">The groups, sorted by id.</param>
/// <param name="Errors">Brokers that could not list their groups.</param>
public sealed record ListConsumerGroupsResult(IReadOnlyList<ConsumerGroupListing> Valid, IReadOnlyList<Error> Errors);
