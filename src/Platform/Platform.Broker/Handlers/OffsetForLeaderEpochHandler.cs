using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch (KIP-101/279/320): for each partition, the largest leader epoch at or below the one
/// asked for and the offset where the next epoch starts in the leader's log (the log end for the current
/// one). A follower cuts its log there before fetching; a consumer checks its position after a leader change.
/// Only the leader answers; the current leader epoch the caller knows is checked as in Fetch.
/// </summary>
public sealed class OffsetForLeaderEpochHandler(TopicManager topics, ClusterInfo cluster) : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    // v2 adds the caller's current leader epoch, v3 the replica id, v4 is flexible.
    public override short MinVersion => 2;

    public override short MaxVersion => 4;

    public override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse { Topics = new(request.Topics.Count) };
        foreach (var requestTopic in request.Topics)
        {
            var topicResult = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = requestTopic.Topic, Partitions = new(requestTopic.Partitions.Count) };
            response.Topics.Add(topicResult);
            topics.TryGetTopic(requestTopic.Topic, out var topic);
            foreach (var requestPartition in requestTopic.Partitions)
            {
                var result = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = requestPartition.Partition };
                topicResult.Partitions.Add(result);
                var partition = topic?.GetPartition(requestPartition.Partition);
                var error = partition is null ? ErrorCode.UnknownTopicOrPartition
                    : partition.IsOffline ? ErrorCode.KafkaStorageError
                    : partition.LeaderError(cluster.NodeId, requestPartition.CurrentLeaderEpoch);
                if (error != ErrorCode.None)
                {
                    result.ErrorCode = (short)error;
                    continue;
                }

                try
                {
                    (result.LeaderEpoch, result.EndOffset) = partition!.Log.EndOffsetForEpoch(requestPartition.LeaderEpoch);
                }
                catch (StorageException e)
                {
                    result.ErrorCode = (short)e.ErrorCode;
                }
            }
        }

        return ValueTask.FromResult<OffsetForLeaderEpochResponse?>(response);
    }

    public override OffsetForLeaderEpochResponse ErrorResponse(RequestContext context, OffsetForLeaderEpochRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult
            {
                Topic = t.Topic,
                Partitions = t.Partitions.Select(p => new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = p.Partition, ErrorCode = (short)error }).ToList(),
            }).ToList(),
        };
}
