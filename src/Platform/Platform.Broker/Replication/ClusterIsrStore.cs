using Platform.Broker.Diagnostics;
using Platform.Cluster;

namespace Platform.Broker.Replication;

/// <summary>
/// The broker's ISR store: etcd once the cluster service has connected (<see cref="Connect"/>), before that (or
/// on a single node, where no partition has followers) every change is refused with an error saying why.
/// It exists because the replica manager is built before the cluster service has a connection to give it.
/// Every change it records counts as an ISR shrink or expand in <see cref="BrokerMetrics"/>.
/// </summary>
public sealed class ClusterIsrStore(BrokerMetrics metrics) : IIsrStore
{
    private volatile EtcdIsrStore? _etcd;

    public void Connect(EtcdClusterStore store) => _etcd = new EtcdIsrStore(store);

    public async Task<PartitionRole?> TryAlterIsrAsync(string topic, int partition, PartitionRole current, IReadOnlyList<int> isr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        var store = _etcd ?? throw new InvalidOperationException($"Changing the ISR of {topic}-{partition} needs the cluster's store (etcd.endpoints), which is not connected.");
        var accepted = await store.TryAlterIsrAsync(topic, partition, current, isr, cancellationToken).ConfigureAwait(false);
        if (accepted is not null)
        {
            metrics.IsrChanged(current.Isr.Count, accepted.Isr.Count);
        }

        return accepted;
    }
}
