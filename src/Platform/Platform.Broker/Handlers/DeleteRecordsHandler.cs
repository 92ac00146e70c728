using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>
/// DeleteRecords: the leader moves a partition's log start offset forward (-1 means the high watermark), then, as
/// Kafka's delayed operation does, answers once the low watermark (the smallest log start offset of the replicas on
/// live brokers, which followers report in their fetches) has reached it, so a leader elected next cannot bring the
/// deleted records back; REQUEST_TIMED_OUT for a partition where that takes longer than the request's timeout_ms.
/// </summary>
public sealed class DeleteRecordsHandler(TopicManager topics, LeaderGuard leaders, TimeProvider time) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override async ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse { Topics = new(request.Topics.Count) };
        var replicating = new List<(DeleteRecordsResponse.DeleteRecordsPartitionResult Result, LeaderState Leader, long Offset)>();
        foreach (var requestTopic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = requestTopic.Name, Partitions = new(requestTopic.Partitions.Count) };
            response.Topics.Add(topicResult);
            foreach (var requestPartition in requestTopic.Partitions)
            {
                var result = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = requestPartition.PartitionIndex, LowWatermark = -1 };
                topicResult.Partitions.Add(result);
                var partition = topics.GetPartition(requestTopic.Name, requestPartition.PartitionIndex);
                var (error, offset) = leaders.Check(requestTopic.Name, requestPartition.PartitionIndex, partition) is not ErrorCode.None and var notLeader
                    ? (notLeader, -1)
                    : Delete(partition, requestPartition.Offset);
                result.ErrorCode = (short)error;
                if (error != ErrorCode.None)
                {
                    continue;
                }

                if (partition!.Leader is { } leader)
                {
                    replicating.Add((result, leader, offset));
                }
                else
                {
                    // No followers: this log is every replica there is.
                    result.LowWatermark = partition.LogStartOffset;
                }
            }
        }

        if (replicating.Count > 0)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(0, request.TimeoutMs)), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            await Task.WhenAll(replicating.Select(r => WaitForReplicasAsync(r.Result, r.Leader, r.Offset, linked.Token))).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return response;
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

    /// <summary>Moves the leader's log start offset to <paramref name="requested"/> (-1: the high watermark); returns the error, or the offset moved to.</summary>
    private static (ErrorCode Error, long Offset) Delete(Partition? partition, long requested)
    {
        if (partition is null)
        {
            return (ErrorCode.UnknownTopicOrPartition, -1);
        }

        if (partition.IsOffline)
        {
            return (ErrorCode.KafkaStorageError, -1);
        }

        var offset = requested == -1 ? partition.HighWatermark : requested;
        if (offset < 0 || offset > partition.HighWatermark)
        {
            return (ErrorCode.OffsetOutOfRange, -1);
        }

        if (partition.Topic.Config is { Compact: true, Delete: false })
        {
            return (ErrorCode.PolicyViolation, -1);
        }

        try
        {
            partition.Log.DeleteRecordsBefore(offset);
        }
        catch (LogException e)
        {
            // The log went offline meanwhile.
            return (e.ErrorCode, -1);
        }

        return (ErrorCode.None, offset);
    }

    private static async Task WaitForReplicasAsync(DeleteRecordsResponse.DeleteRecordsPartitionResult result, LeaderState leader, long offset, CancellationToken timeout)
    {
        try
        {
            result.LowWatermark = await leader.WaitForLowWatermarkAsync(offset, timeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result.ErrorCode = (short)ErrorCode.RequestTimedOut;
        }
        catch (LogException e)
        {
            // Leadership moved away (or the log went offline) while waiting.
            result.ErrorCode = (short)e.ErrorCode;
        }
    }
}
