namespace Platform.Client.Admin;

/// <summary>The result of <see cref="IAdminClient.DescribeClusterAsync"/>.</summary>
/// <param name="ClusterId">Cluster id.</param>
/// <param name="Controller">The controller (the broker admin requests go to), null when unknown.</param>
/// <param name="Nodes">The live brokers.</param>
public sealed record DescribeClusterResult(string? ClusterId, Node? Controller, IReadOnlyList<Node> Nodes);
