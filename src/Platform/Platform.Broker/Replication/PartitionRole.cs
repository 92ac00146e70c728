using Platform.Broker.Cluster;

namespace Platform.Broker.Replication;

/// <summary>
/// What the cluster's metadata says about one partition hosted on this broker: its leader and leader epoch,
/// its replicas in preference order and the in-sync ones, and the partition epoch that every change bumps
/// (the version an ISR change names). A single node leads every partition at epoch 0 with itself as the
/// only replica (<see cref="SingleNode"/>).
/// </summary>
public sealed record PartitionRole(int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr, int PartitionEpoch)
{
    public static PartitionRole SingleNode(int nodeId) => new(nodeId, 0, [nodeId], [nodeId], 0);

    public bool IsLeader(int nodeId) => Leader == nodeId;
}

/// <summary>Where a live broker listens, as registered in the cluster.</summary>
public sealed record BrokerEndpoint(int Id, string Host, int Port, string? Rack = null);

/// <summary>
/// Turns the controller's decisions into this broker's behaviour for the partitions it hosts: as leader it
/// tracks the followers' fetches, the ISR and the high watermark; as follower it truncates its log to the
/// leader's history and fetches from the leader. The cluster service calls it, per partition in partition
/// epoch order, at start and on every change.
/// </summary>
public interface IReplicaManager
{
    /// <summary>Makes this broker the leader or a follower of <paramref name="partition"/> as <paramref name="role"/> says.</summary>
    Task ApplyRoleAsync(Partition partition, PartitionRole role, CancellationToken cancellationToken);

    /// <summary>The partition is no longer hosted here (reassigned away or its topic deleted): stop fetching for it.</summary>
    Task StopReplicaAsync(Partition partition, CancellationToken cancellationToken);

    /// <summary>The live brokers and their addresses, so followers can reach their leaders.</summary>
    void UpdateBrokers(IReadOnlyDictionary<int, BrokerEndpoint> brokers);
}

/// <summary>
/// Where a leader records an ISR change (Kafka's AlterPartition): accepted only if the stored state is still
/// the one <paramref name="current"/> names (same leader epoch and partition epoch), so a deposed leader or a
/// stale view can never overwrite a newer decision.
/// </summary>
public interface IIsrStore
{
    /// <summary>Returns the stored state after the change (its partition epoch bumped), or null if it was refused.</summary>
    Task<PartitionRole?> TryAlterIsrAsync(string topic, int partition, PartitionRole current, IReadOnlyList<int> isr, CancellationToken cancellationToken);
}
