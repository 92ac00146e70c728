using Platform.Cluster;

namespace Platform.Broker.Replication;

/// <summary>
/// The broker's ISR store: etcd once the cluster service has connected (<see cref="Connect"/>), before that (or
/// on a single node, where no partition has followers) every change is refused with an error saying why.
/// It exists because the replica manager is built before the cluster service has a connection to give it.
/// </summary>
public sealed class ClusterIsrStore : IIsrStore
{
    private volatile EtcdIsrStore? _etcd;

    public void Connect(EtcdClusterStore store) => _etcd = new EtcdIsrStore(store);

    public Task<PartitionRole?> TryAlterIsrAsync(string topic, int partition, PartitionRole current, IReadOnlyList<int> isr, CancellationToken cancellationToken)
        => (_etcd ?? throw new InvalidOperationException($"Changing the ISR of {topic}-{partition} needs the cluster's store (etcd.endpoints), which is not connected."))
            .TryAlterIsrAsync(topic, partition, current, isr, cancellationToken);
}
