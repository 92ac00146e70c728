using Platform.Protocol;

namespace Platform.Broker.Cluster;

/// <summary>One partition as Metadata and DescribeTopicPartitions show it.</summary>
public readonly record struct PartitionDescription(int Index, ErrorCode Error, int Leader, int LeaderEpoch, int[] Replicas, int[] Isr, int[] Offline);

/// <summary>One topic as Metadata and DescribeTopicPartitions show it; partitions in index order.</summary>
public sealed record TopicDescription(string Name, Guid TopicId, bool IsInternal, IReadOnlyList<PartitionDescription> Partitions);

/// <summary>
/// What the requests that describe topics (Metadata, DescribeTopicPartitions) say about a topic's partitions: on a
/// single broker from its own logs, in a cluster from the cluster's metadata (leader, replicas, ISR, offline replicas).
/// </summary>
public sealed class TopicDescriber(TopicManager topics, ClusterInfo cluster, ClusterMetadata clusterMetadata)
{
    /// <summary>Every known topic's name, in ordinal order.</summary>
    public IEnumerable<string> Names()
        => clusterMetadata.Enabled ? clusterMetadata.View.Topics.Keys : topics.Topics.Select(t => t.Name).Order(StringComparer.Ordinal);

    /// <summary>The topic, or null if it is unknown.</summary>
    public TopicDescription? Describe(string name)
    {
        if (clusterMetadata.Enabled)
        {
            var view = clusterMetadata.View;
            return view.Topics.TryGetValue(name, out var assignment) ? Describe(view, name, assignment) : null;
        }

        return topics.TryGetTopic(name, out var topic) ? Describe(topic) : null;
    }

    /// <summary>A topic of the cluster's view.</summary>
    public static TopicDescription Describe(ClusterView view, string name, Platform.Cluster.TopicAssignment assignment)
    {
        var partitions = new PartitionDescription[assignment.Replicas.Length];
        for (var p = 0; p < partitions.Length; p++)
        {
            var replicas = assignment.Replicas[p];
            var state = view.State(name, p);
            var leaderAlive = state is not null && view.Brokers.ContainsKey(state.Leader);

            // A partition with no live leader answers LEADER_NOT_AVAILABLE, as Kafka's does, so clients wait and refresh.
            partitions[p] = new PartitionDescription(
                p,
                leaderAlive ? ErrorCode.None : ErrorCode.LeaderNotAvailable,
                leaderAlive ? state!.Leader : -1,
                state?.LeaderEpoch ?? -1,
                replicas,
                state?.Isr ?? [],
                [.. replicas.Where(r => !view.Brokers.TryGetValue(r, out var broker) || broker.HasOffline(name, p))]);
        }

        return new TopicDescription(name, assignment.TopicId, TopicNames.IsInternal(name), partitions);
    }

    /// <summary>A topic of this single broker.</summary>
    public TopicDescription Describe(TopicState topic)
    {
        int[] self = [cluster.NodeId];
        var partitions = topic.Partitions.Select(partition => partition.IsOffline
            // Kafka's answer for a partition whose only replica sits on a failed log (not opened at start, or taken
            // offline by an I/O error): no leader, replica offline, KAFKA_STORAGE_ERROR.
            ? new PartitionDescription(partition.Index, ErrorCode.KafkaStorageError, -1, partition.LeaderEpoch, self, [], self)
            : new PartitionDescription(partition.Index, ErrorCode.None, cluster.NodeId, partition.LeaderEpoch, self, self, []));
        return new TopicDescription(topic.Name, topic.TopicId, topic.IsInternal, [.. partitions]);
    }
}
