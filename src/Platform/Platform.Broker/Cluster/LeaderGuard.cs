using Platform.Protocol;

namespace Platform.Broker.Cluster;

/// <summary>
/// Whether a client request may read or write a partition here: only its leader serves Produce, consumer Fetch and
/// ListOffsets. A single broker leads every partition it has, so this only ever refuses in a cluster.
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
        if (!metadata.Enabled)
        {
            return ErrorCode.None;
        }

        if (partition is null)
        {
            return metadata.View.Replicas(topic, index) is not null ? ErrorCode.NotLeaderOrFollower : ErrorCode.None;
        }

        var role = partition.Role;
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != role.LeaderEpoch)
        {
            return currentLeaderEpoch < role.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch;
        }

        return role.IsLeader(info.NodeId) ? ErrorCode.None : ErrorCode.NotLeaderOrFollower;
    }
}
