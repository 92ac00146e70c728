using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DeleteTopics by name (v0-5) or by name or id (v6).</summary>
public sealed class DeleteTopicsHandler(TopicManager topics) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    public override ValueTask<DeleteTopicsResponse?> HandleAsync(RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
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

        return ValueTask.FromResult<DeleteTopicsResponse?>(response);
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
