using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>AlterConfigs (legacy): replaces a topic's whole set of overrides, or a broker's dynamic configs (the replication throttle rates).</summary>
/// <remarks>In a cluster the controller changes the configs in etcd (this broker forwards the request to it).</remarks>
public sealed class AlterConfigsHandler(ClusterAdmin admin) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override async ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        return await admin.AlterConfigsAsync(context, request, (topic, broker) => AlterAsync(request, topic, broker), e => ErrorResponse(context, request, e), cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<AlterConfigsResponse> AlterAsync(AlterConfigsRequest request, TopicConfigChange topic, TopicConfigChange broker)
    {
        var response = new AlterConfigsResponse { Responses = new(request.Resources.Count) };
        foreach (var resource in request.Resources)
        {
            var alter = resource.ResourceType switch
            {
                ConfigDescriber.ResourceTopic => topic,
                ConfigDescriber.ResourceBroker => broker,
                _ => null,
            };
            var outcome = alter is null
                ? BrokerConfigs.Unsupported(resource.ResourceType)
                : await alter(
                    resource.ResourceName,
                    _ => resource.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal),
                    request.ValidateOnly).ConfigureAwait(false);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
            });
        }

        return response;
    }

    public override AlterConfigsResponse ErrorResponse(RequestContext context, AlterConfigsRequest request, ErrorCode error)
        => new()
        {
            Responses = request.Resources.Select(r => new AlterConfigsResponse.AlterConfigsResourceResponse { ResourceType = r.ResourceType, ResourceName = r.ResourceName, ErrorCode = (short)error }).ToList(),
        };
}

/// <summary>The answer for resource types other than topics and brokers.</summary>
internal static class BrokerConfigs
{
    public static TopicResult Unsupported(sbyte resourceType) => new(ErrorCode.InvalidRequest, $"Resource type {resourceType} is not supported.");
}
