using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DeleteRecords: moves a partition's log start offset forward (-1 means the high watermark).</summary>
public sealed class DeleteRecordsHandler(TopicManager topics) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse { Topics = new(request.Topics.Count) };
        foreach (var requestTopic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = requestTopic.Name, Partitions = new(requestTopic.Partitions.Count) };
            response.Topics.Add(topicResult);
            foreach (var requestPartition in requestTopic.Partitions)
            {
                var result = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = requestPartition.PartitionIndex, LowWatermark = -1 };
                topicResult.Partitions.Add(result);
                var partition = topics.GetPartition(requestTopic.Name, requestPartition.PartitionIndex);
                if (partition is null)
                {
                    result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }

                var offset = requestPartition.Offset == -1 ? partition.HighWatermark : requestPartition.Offset;
                if (offset < 0 || offset > partition.HighWatermark)
                {
                    result.ErrorCode = (short)ErrorCode.OffsetOutOfRange;
                    continue;
                }

                if (partition.Topic.Config is { Compact: true, Delete: false })
                {
                    result.ErrorCode = (short)ErrorCode.PolicyViolation;
                    continue;
                }

                partition.Log.DeleteRecordsBefore(offset);
                result.LowWatermark = partition.LogStartOffset;
            }
        }

        return ValueTask.FromResult<DeleteRecordsResponse?>(response);
    }

    public override DeleteRecordsResponse ErrorResponse(RequestContext context, DeleteRecordsRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new DeleteRecordsResponse.DeleteRecordsTopicResult
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error, LowWatermark = -1 }).ToList(),
            }).ToList(),
        };
}
