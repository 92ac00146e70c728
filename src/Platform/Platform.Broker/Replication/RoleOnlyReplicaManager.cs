using Platform.Broker.Cluster;

namespace Platform.Broker.Replication;

/// <summary>
/// The stand-in <see cref="IReplicaManager"/> of the control plane until the replica data path (followers fetching
/// from their leaders, the ISR and high watermark) is merged: it only records each partition's role, so that
/// leadership routing (NOT_LEADER_OR_FOLLOWER) works. Followers do not copy the leader's records with it. The real
/// ReplicaManager replaces this registration.
/// </summary>
internal sealed class RoleOnlyReplicaManager : IReplicaManager
{
    public Task ApplyRoleAsync(Partition partition, PartitionRole role, CancellationToken cancellationToken)
    {
        partition.Role = role;
        return Task.CompletedTask;
    }

    public Task StopReplicaAsync(Partition partition, CancellationToken cancellationToken) => Task.CompletedTask;

    public void UpdateBrokers(IReadOnlyDictionary<int, BrokerEndpoint> brokers)
    {
    }
}
