namespace Platform.Client.Admin;

/// <summary>The result of <see cref="IAdminClient.DescribeTopicsAsync"/>.</summary>
/// <param name="TopicDescriptions">One description per topic asked for, in the order asked.</param>
public sealed record DescribeTopicsResult(IReadOnlyList<TopicDescription> TopicDescriptions);
