using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>AlterConfigs (legacy): replaces a topic's whole set of overrides.</summary>
/// <remarks>In a cluster the controller changes the topic's configs in etcd (this broker forwards the request to it).</remarks>
public sealed class AlterConfigsHandler(ClusterAdmin admin) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    public override async ValueTask<AlterConfigsResponse?> HandleAsync(RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        return await admin.AlterTopicConfigsAsync(context, request, alter => AlterAsync(request, alter), e => ErrorResponse(context, request, e), cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<AlterConfigsResponse> AlterAsync(AlterConfigsRequest request, TopicConfigChange alter)
    {
        var response = new AlterConfigsResponse { Responses = new(request.Resources.Count) };
        foreach (var resource in request.Resources)
        {
            var outcome = resource.ResourceType == ConfigDescriber.ResourceTopic
                ? await alter(
                    resource.ResourceName,
                    _ => resource.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal),
                    request.ValidateOnly).ConfigureAwait(false)
                : BrokerConfigs.ReadOnly(resource.ResourceType);
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

/// <summary>Broker configs come from the host's configuration and cannot change at runtime yet.</summary>
internal static class BrokerConfigs
{
    public static TopicResult ReadOnly(sbyte resourceType)
        => resourceType == ConfigDescriber.ResourceBroker
            ? new(ErrorCode.InvalidRequest, "Broker configs are static: set them in the broker's configuration and restart.")
            : new(ErrorCode.InvalidRequest, $"Resource type {resourceType} is not supported.");
}
