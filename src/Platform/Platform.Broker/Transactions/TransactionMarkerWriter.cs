using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Transactions;

/// <summary>
/// Writes one COMMIT/ABORT marker into a partition this broker leads, for the local coordinator and for
/// WriteTxnMarkers from a coordinator elsewhere alike: answered once the marker is acknowledgeable (on the
/// whole ISR, as acks=all), NOT_LEADER_OR_FOLLOWER when the partition is led elsewhere. Markers for
/// <c>__consumer_offsets</c> go through the group coordinator, which then makes the transaction's staged
/// offsets the committed ones (COMMIT) or drops them (ABORT).
/// </summary>
public sealed class TransactionMarkerWriter(TopicManager topics, GroupCoordinator groups, ClusterInfo cluster, ClusterMetadata metadata)
{
    /// <summary>
    /// The log's error as it is: INVALID_PRODUCER_EPOCH (the producer has moved on), TRANSACTION_COORDINATOR_FENCED
    /// (a newer coordinator wrote a marker for it), UNKNOWN_TOPIC_OR_PARTITION when the partition exists nowhere.
    /// </summary>
    public async Task<ErrorCode> WriteAsync(string topic, int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        var target = topics.GetPartition(topic, partition);
        if (target is null)
        {
            return metadata.Enabled && metadata.View.Replicas(topic, partition) is not null ? ErrorCode.NotLeaderOrFollower : ErrorCode.UnknownTopicOrPartition;
        }

        if (!target.IsLeader(cluster.NodeId))
        {
            return ErrorCode.NotLeaderOrFollower;
        }

        if (topic == GroupCoordinator.TopicName)
        {
            return await groups.CompleteTransactionAsync(partition, producerId, producerEpoch, coordinatorEpoch, commit).ConfigureAwait(false);
        }

        try
        {
            await target.WhenAcknowledgeable(target.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit)).ConfigureAwait(false);
            return ErrorCode.None;
        }
        catch (LogException e)
        {
            return e.ErrorCode == ErrorCode.None ? ErrorCode.KafkaStorageError : e.ErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return ErrorCode.NotLeaderOrFollower;
        }
    }
}
