using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>ListOffsets: earliest (-2), latest (-1), max timestamp (-3) or the first offset at or after a timestamp.</summary>
public sealed class ListOffsetsHandler(TopicManager topics, LeaderGuard leaders) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    public const long LatestTimestamp = -1;
    public const long EarliestTimestamp = -2;
    public const long MaxTimestamp = -3;

    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override short MinVersion => 1;

    public override short MaxVersion => 7;

    public override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var readCommitted = request.IsolationLevel == 1;
        var response = new ListOffsetsResponse { Topics = new(request.Topics.Count) };
        foreach (var requestTopic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = requestTopic.Name, Partitions = new(requestTopic.Partitions.Count) };
            response.Topics.Add(topicResponse);
            topics.TryGetTopic(requestTopic.Name, out var topic);
            foreach (var requestPartition in requestTopic.Partitions)
            {
                var result = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = requestPartition.PartitionIndex, Timestamp = -1, Offset = -1 };
                topicResponse.Partitions.Add(result);
                var partition = topic?.GetPartition(requestPartition.PartitionIndex);
                if (leaders.Check(requestTopic.Name, requestPartition.PartitionIndex, partition, requestPartition.CurrentLeaderEpoch) is not ErrorCode.None and var notLeader)
                {
                    result.ErrorCode = (short)notLeader;
                    continue;
                }

                if (partition is null || partition.IsOffline)
                {
                    result.ErrorCode = (short)(partition is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.KafkaStorageError);
                    continue;
                }

                if (context.ApiVersion >= 4)
                {
                    result.LeaderEpoch = partition.LeaderEpoch;
                }

                try
                {
                    Lookup(partition, requestPartition.Timestamp, readCommitted, result);
                }
                catch (StorageException e)
                {
                    result.ErrorCode = (short)e.ErrorCode;
                    result.Offset = -1;
                    result.Timestamp = -1;
                }
            }
        }

        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }

    private static void Lookup(Partition partition, long timestamp, bool readCommitted, ListOffsetsResponse.ListOffsetsPartitionResponse result)
    {
        var visibleEnd = readCommitted ? partition.LastStableOffset : partition.HighWatermark;
        switch (timestamp)
        {
            case LatestTimestamp:
                result.Offset = visibleEnd;
                return;
            case EarliestTimestamp:
                result.Offset = partition.LogStartOffset;
                return;
            case MaxTimestamp:
                if (partition.Log.FetchMaxTimestampOffset() is { } max && max.Offset < visibleEnd)
                {
                    result.Offset = max.Offset;
                    result.Timestamp = max.Timestamp;
                }

                return;
            case < 0:
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                return;
        }

        // A timestamp after the last record answers offset -1 and timestamp -1, as Kafka does.
        if (partition.Log.FetchOffsetByTimestamp(timestamp) is { } found && found.Offset < visibleEnd)
        {
            result.Offset = found.Offset;
            result.Timestamp = found.Timestamp;
        }
    }

    public override ListOffsetsResponse ErrorResponse(RequestContext context, ListOffsetsRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new ListOffsetsResponse.ListOffsetsTopicResponse
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new ListOffsetsResponse.ListOffsetsPartitionResponse
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)error,
                    Timestamp = -1,
                    Offset = -1,
                }).ToList(),
            }).ToList(),
        };
}
