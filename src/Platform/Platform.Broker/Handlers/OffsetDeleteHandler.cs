using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>OffsetDelete: removes a group's committed offsets of partitions its members do not consume.</summary>
public sealed class OffsetDeleteHandler(GroupCoordinator coordinator, TopicManager topics) : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetDelete;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override async ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<TopicPartition, ErrorCode>();
        var known = new List<TopicPartition>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                var key = new TopicPartition(topic.Name, partition.PartitionIndex);
                if (topics.GetPartition(topic.Name, partition.PartitionIndex) is null)
                {
                    errors[key] = ErrorCode.UnknownTopicOrPartition;
                }
                else
                {
                    known.Add(key);
                }
            }
        }

        var (groupError, results) = await coordinator.DeleteOffsetsAsync(request.GroupId, known).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (groupError != ErrorCode.None)
        {
            return ErrorResponse(context, request, groupError);
        }

        foreach (var (partition, error) in results)
        {
            errors[partition] = error;
        }

        return new OffsetDeleteResponse
        {
            Topics = request.Topics.Select(t => new OffsetDeleteResponse.OffsetDeleteResponseTopic
            {
                Name = t.Name,
                Partitions = t.Partitions.Select(p => new OffsetDeleteResponse.OffsetDeleteResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)errors.GetValueOrDefault(new TopicPartition(t.Name, p.PartitionIndex)),
                }).ToList(),
            }).ToList(),
        };
    }

    public override OffsetDeleteResponse ErrorResponse(RequestContext context, OffsetDeleteRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, Topics = [] };
}
