using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// DescribeProducers: the producers each partition's log keeps state for (idempotent and transactional),
/// with the first offset of each one's open transaction, which is what holds the last stable offset back.
/// </summary>
public sealed class DescribeProducersHandler(TopicManager topics) : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeProducers;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    public override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse
        {
            Topics = request.Topics.Select(t => new DescribeProducersResponse.TopicResponse
            {
                Name = t.Name,
                Partitions = t.PartitionIndexes.Select(p => Describe(t.Name, p)).ToList(),
            }).ToList(),
        };
        return ValueTask.FromResult<DescribeProducersResponse?>(response);
    }

    private DescribeProducersResponse.PartitionResponse Describe(string topic, int index)
    {
        var partition = topics.GetPartition(topic, index);
        if (partition is null)
        {
            return new() { PartitionIndex = index, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition, ErrorMessage = $"Partition {topic}-{index} does not exist." };
        }

        try
        {
            return new()
            {
                PartitionIndex = index,
                ActiveProducers = partition.Log.GetProducers().OrderBy(p => p.ProducerId).Select(p => new DescribeProducersResponse.ProducerState
                {
                    ProducerId = p.ProducerId,
                    ProducerEpoch = p.ProducerEpoch,
                    LastSequence = p.LastSequence,
                    LastTimestamp = p.LastTimestamp,
                    CoordinatorEpoch = p.CoordinatorEpoch,
                    CurrentTxnStartOffset = p.CurrentTxnFirstOffset,
                }).ToList(),
            };
        }
        catch (ObjectDisposedException)
        {
            return new() { PartitionIndex = index, ErrorCode = (short)ErrorCode.NotLeaderOrFollower };
        }
    }

    public override DescribeProducersResponse ErrorResponse(RequestContext context, DescribeProducersRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new DescribeProducersResponse.TopicResponse
            {
                Name = t.Name,
                Partitions = t.PartitionIndexes.Select(p => new DescribeProducersResponse.PartitionResponse { PartitionIndex = p, ErrorCode = (short)error }).ToList(),
            }).ToList(),
        };
}
