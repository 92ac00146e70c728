using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DeleteTopics by name (v0-5) or by name or id (v6).</summary>
public sealed class DeleteTopicsHandler(TopicManager topics, ClusterMetadata cluster, ClusterAdmin admin) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    public override async ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        if (cluster.Enabled)
        {
            var deleted = await admin.ViaControllerAsync(
                context, request, controller => admin.DeleteTopicsAsync(controller, context, request, cancellationToken), e => ErrorResponse(context, request, e), cancellationToken)
                .ConfigureAwait(false);
            var names = deleted.Responses.Where(t => t.ErrorCode == 0 && t.Name is not null).Select(t => t.Name!).ToList();
            await cluster.WaitForAsync(v => !names.Any(v.Topics.ContainsKey), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return deleted;
        }

        return Delete(context, request);
    }

    private DeleteTopicsResponse Delete(RequestContext context, DeleteTopicsRequest request)
    {
        var response = new DeleteTopicsResponse { Responses = [] };
        foreach (var (name, id) in Targets(context, request))
        {
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            response.Responses.Add(result);
            var resolved = name;
            if (resolved is null)
            {
                resolved = topics.Topics.FirstOrDefault(t => t.TopicId == id)?.Name;
                if (resolved is null)
                {
                    result.ErrorCode = (short)ErrorCode.UnknownTopicId;
                    result.ErrorMessage = $"No topic has id {id}.";
                    continue;
                }

                result.Name = resolved;
            }
            else if (topics.TryGetTopic(resolved, out var byName))
            {
                result.TopicId = byName.TopicId;
            }

            var outcome = topics.DeleteTopic(resolved);
            result.ErrorCode = (short)outcome.Error;
            result.ErrorMessage = outcome.Message;
        }

        return response;
    }

    private static IEnumerable<(string? Name, Guid Id)> Targets(RequestContext context, DeleteTopicsRequest request)
        => context.ApiVersion >= 6
            ? request.Topics.Select(t => (t.Name, t.TopicId))
            : request.TopicNames.Select(n => ((string?)n, Guid.Empty));

    public override DeleteTopicsResponse ErrorResponse(RequestContext context, DeleteTopicsRequest request, ErrorCode error)
        => new()
        {
            Responses = Targets(context, request).Select(t => new DeleteTopicsResponse.DeletableTopicResult { Name = t.Name, TopicId = t.Id, ErrorCode = (short)error }).ToList(),
        };
}
