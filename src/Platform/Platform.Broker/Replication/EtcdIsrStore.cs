using Platform.Cluster;

namespace Platform.Broker.Replication;

/// <summary>
/// ISR changes recorded in etcd (Kafka's AlterPartition, done by the leader itself): the partition's stored
/// state is read, the change is refused unless it still has the leader epoch and partition epoch the leader
/// acts on, and it is written with a compare-and-swap on the revision it was read at, so a controller
/// decision or another writer in between always wins. As in Kafka (KIP-841), only a replica on a registered
/// broker may join the ISR, and not one in a controlled shutdown or reporting its log of the partition offline:
/// a broker handing its partitions over keeps fetching until it stops, even after its registration went, and must
/// not be taken back meanwhile (the controller already took it out, and nothing would take it out again but the lag check).
/// </summary>
public sealed class EtcdIsrStore(EtcdClusterStore store) : IIsrStore
{
    public async Task<PartitionRole?> TryAlterIsrAsync(string topic, int partition, PartitionRole current, IReadOnlyList<int> isr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(isr);
        if (await store.GetPartitionStateAsync(topic, partition, cancellationToken).ConfigureAwait(false) is not { } stored
            || stored.Value.Leader != current.Leader
            || stored.Value.LeaderEpoch != current.LeaderEpoch
            || stored.Value.PartitionEpoch != current.PartitionEpoch)
        {
            return null;
        }

        var joining = isr.Except(stored.Value.Isr).ToList();
        if (joining.Count > 0)
        {
            var (brokers, _) = await store.GetBrokersAsync(cancellationToken).ConfigureAwait(false);
            if (joining.Exists(id => !brokers.Any(b => b.Id == id && !b.ShuttingDown && !b.HasOffline(topic, partition))))
            {
                return null;
            }
        }

        var next = stored.Value with { Isr = [.. isr], PartitionEpoch = stored.Value.PartitionEpoch + 1 };
        return await store.TryUpdatePartitionStateAsync(topic, partition, next, stored.ModRevision, cancellationToken: cancellationToken).ConfigureAwait(false) is null
            ? null
            : current with { Isr = [.. isr], PartitionEpoch = next.PartitionEpoch };
    }
}
