using Platform.Protocol;

namespace Platform.Broker.Cluster;

/// <summary>
/// Whether a client request may read or write a partition here: only its leader serves Produce, consumer Fetch and
/// ListOffsets. A single broker leads every partition it has at epoch 0, so this refuses only where roles are applied (a cluster).
/// </summary>
public sealed class LeaderGuard(ClusterInfo info, ClusterMetadata metadata)
{
    /// <summary>
    /// The error for a client request naming <paramref name="topic"/>-<paramref name="index"/>, or None when this broker
    /// leads it (or it is unknown here and in the cluster: the caller answers that as before). With the client's
    /// <paramref name="currentLeaderEpoch"/> (-1: none), an older epoch is FENCED_LEADER_EPOCH and a newer one
    /// UNKNOWN_LEADER_EPOCH, as in Kafka.
    /// </summary>
    public ErrorCode Check(string topic, int index, Partition? partition, int currentLeaderEpoch = -1)
    {
        if (partition is not null)
        {
            return partition.LeaderError(info.NodeId, currentLeaderEpoch);
        }

        return metadata.Enabled && metadata.View.Replicas(topic, index) is not null ? ErrorCode.NotLeaderOrFollower : ErrorCode.None;
    }
}
