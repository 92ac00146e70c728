namespace Platform.Client.Admin;

/// <summary>One partition of a described topic.</summary>
/// <param name="Partition">Partition index.</param>
/// <param name="Leader">The leader, or null when the partition has none.</param>
/// <param name="Replicas">Assigned replicas, preferred leader first.</param>
/// <param name="ISR">In-sync replicas.</param>
public sealed record TopicPartitionInfo(int Partition, Node? Leader, IReadOnlyList<Node> Replicas, IReadOnlyList<Node> ISR);
