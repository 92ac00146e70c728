using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>CreatePartitions: grows a topic to a larger partition count.</summary>
public sealed class CreatePartitionsHandler(TopicManager topics, ClusterInfo cluster, ClusterMetadata metadata, ClusterAdmin admin) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    public override async ValueTask<CreatePartitionsResponse?> HandleAsync(RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        if (metadata.Enabled)
        {
            var grown = await admin.ViaControllerAsync(
                context, request, controller => admin.CreatePartitionsAsync(controller, request, cancellationToken), e => ErrorResponse(context, request, e), cancellationToken)
                .ConfigureAwait(false);
            var counts = request.Topics.Where(t => grown.Results.Any(r => r.Name == t.Name && r.ErrorCode == 0) && !request.ValidateOnly).ToList();
            await metadata.WaitForAsync(v => counts.All(t => v.Topics.TryGetValue(t.Name, out var a) && a.Replicas.Length >= t.Count), TimeSpan.FromSeconds(5), cancellationToken)
                .ConfigureAwait(false);
            return grown;
        }

        return Grow(request);
    }

    private CreatePartitionsResponse Grow(CreatePartitionsRequest request)
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

        return response;
    }

    public override CreatePartitionsResponse ErrorResponse(RequestContext context, CreatePartitionsRequest request, ErrorCode error)
        => new() { Results = request.Topics.Select(t => new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = t.Name, ErrorCode = (short)error }).ToList() };
}
