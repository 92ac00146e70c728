using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>CreatePartitions: grows a topic to a larger partition count.</summary>
public sealed class CreatePartitionsHandler(TopicManager topics, ClusterInfo cluster) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    public override ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponse { Results = new(request.Topics.Count) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in request.Topics)
        {
            var outcome = !seen.Add(topic.Name)
                ? new TopicResult(ErrorCode.InvalidRequest, $"Topic '{topic.Name}' appears more than once in the request.")
                : topic.Assignments is { } assignments && assignments.Any(a => a.BrokerIds.Any(b => b != cluster.NodeId))
                    ? new TopicResult(ErrorCode.InvalidReplicaAssignment, $"Replica assignments may only name broker {cluster.NodeId}.")
                    : topics.CreatePartitions(topic.Name, topic.Count, request.ValidateOnly);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)outcome.Error, ErrorMessage = outcome.Message });
        }

        return ValueTask.FromResult<CreatePartitionsResponse?>(response);
    }

    public override CreatePartitionsResponse ErrorResponse(RequestContext context, CreatePartitionsRequest request, ErrorCode error)
        => new() { Results = request.Topics.Select(t => new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = t.Name, ErrorCode = (short)error }).ToList() };
}
