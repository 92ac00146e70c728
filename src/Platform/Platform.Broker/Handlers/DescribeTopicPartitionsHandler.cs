using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// DescribeTopicPartitions (KIP-966's paged describe): the named topics, or every topic when none is named, in name
/// order with their partitions (leader, epoch, replicas, ISR, offline replicas), at most ResponsePartitionLimit
/// partitions per answer; NextCursor says where the next request starts, as Kafka's does.
/// </summary>
/// <remarks>
/// Eligible leader replicas (KIP-966's ELR) are not kept: a partition's leader comes from its ISR only, so both ELR
/// lists are empty, as Kafka answers with ELR disabled.
/// </remarks>
public sealed class DescribeTopicPartitionsHandler(TopicDescriber describer) : ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>
{
    /// <summary>Kafka's max.request.partition.size.limit default: the most partitions one answer holds.</summary>
    internal const int MaxPartitionsPerResponse = 2000;

    public override ApiKey ApiKey => ApiKey.DescribeTopicPartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override ValueTask<DescribeTopicPartitionsResponse?> HandleAsync(RequestContext context, DescribeTopicPartitionsRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult<DescribeTopicPartitionsResponse?>(Handle(context, request));

    private DescribeTopicPartitionsResponse Handle(RequestContext context, DescribeTopicPartitionsRequest request)
    {
        var all = request.Topics.Count == 0;
        var cursor = request.Cursor;
        var from = cursor?.TopicName ?? "";
        var names = (all ? describer.Names() : request.Topics.Select(t => t.Name))
            .Where(n => string.CompareOrdinal(n, from) >= 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        // As Kafka: a cursor must point into the named topics, at a real partition index.
        if (cursor is not null && ((!all && !names.Contains(cursor.TopicName, StringComparer.Ordinal)) || cursor.PartitionIndex < 0))
        {
            return ErrorResponse(context, request, ErrorCode.InvalidRequest);
        }

        var response = new DescribeTopicPartitionsResponse();
        var remaining = Math.Max(Math.Min(request.ResponsePartitionLimit, MaxPartitionsPerResponse), 1);
        foreach (var name in names)
        {
            if (remaining == 0)
            {
                // The previous topic filled the answer exactly: the next one starts from its first partition.
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = 0 };
                break;
            }

            var topic = describer.Describe(name);
            if (topic is null)
            {
                // Listing every topic skips one deleted meanwhile; a named one that does not exist is an error.
                if (!all)
                {
                    var error = TopicNames.Validate(name) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException;
                    response.Topics.Add(new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
                    {
                        ErrorCode = (short)error,
                        Name = name,
                        IsInternal = TopicNames.IsInternal(name),
                        TopicAuthorizedOperations = MetadataHandler.AllTopicOperations,
                    });
                }

                continue;
            }

            var start = name == cursor?.TopicName ? cursor.PartitionIndex : 0;
            var page = topic.Partitions.Skip(start).Take(remaining).ToList();
            response.Topics.Add(new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
            {
                Name = topic.Name,
                TopicId = topic.TopicId,
                IsInternal = topic.IsInternal,
                Partitions = [.. page.Select(ToResponse)],
                TopicAuthorizedOperations = MetadataHandler.AllTopicOperations,
            });
            var next = start + page.Count;
            if (next < topic.Partitions.Count)
            {
                response.NextCursor = new DescribeTopicPartitionsResponse.Cursor { TopicName = name, PartitionIndex = next };
                break;
            }

            remaining -= page.Count;
        }

        return response;
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition ToResponse(PartitionDescription p)
        => new()
        {
            ErrorCode = (short)p.Error,
            PartitionIndex = p.Index,
            LeaderId = p.Leader,
            LeaderEpoch = p.LeaderEpoch,
            ReplicaNodes = [.. p.Replicas],
            IsrNodes = [.. p.Isr],
            EligibleLeaderReplicas = [],
            LastKnownElr = [],
            OfflineReplicas = [.. p.Offline],
        };

    public override DescribeTopicPartitionsResponse ErrorResponse(RequestContext context, DescribeTopicPartitionsRequest request, ErrorCode error)
        => new()
        {
            Topics = [.. request.Topics.Select(t => new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic { Name = t.Name, ErrorCode = (short)error })],
        };
}
