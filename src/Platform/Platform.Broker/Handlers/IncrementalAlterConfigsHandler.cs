using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs: SET (0), DELETE (1), APPEND (2) and SUBTRACT (3) on a topic's overrides, and SET/DELETE
/// of a broker's dynamic configs (the replication throttle rates, per broker id or the cluster default).
/// </summary>
/// <remarks>In a cluster the controller changes the configs in etcd (this broker forwards the request to it).</remarks>
public sealed class IncrementalAlterConfigsHandler(ClusterAdmin admin) : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    private const sbyte Set = 0;
    private const sbyte Delete = 1;
    private const sbyte Append = 2;
    private const sbyte Subtract = 3;

    public override ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override async ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        return await admin.AlterConfigsAsync(context, request, (topic, broker) => AlterAsync(request, topic, broker), e => ErrorResponse(context, request, e), cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<IncrementalAlterConfigsResponse> AlterAsync(IncrementalAlterConfigsRequest request, TopicConfigChange topic, TopicConfigChange broker)
    {
        var response = new IncrementalAlterConfigsResponse { Responses = new(request.Resources.Count) };
        foreach (var resource in request.Resources)
        {
            var outcome = resource.ResourceType switch
            {
                ConfigDescriber.ResourceTopic => await ApplyAsync(resource, request.ValidateOnly, topic).ConfigureAwait(false),
                ConfigDescriber.ResourceBroker => await ApplyAsync(resource, request.ValidateOnly, broker).ConfigureAwait(false),
                _ => BrokerConfigs.Unsupported(resource.ResourceType),
            };
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
            });
        }

        return response;
    }

    private static async Task<TopicResult> ApplyAsync(IncrementalAlterConfigsRequest.AlterConfigsResource resource, bool validateOnly, TopicConfigChange alter)
    {
        foreach (var config in resource.Configs)
        {
            if (config.ConfigOperation is < Set or > Subtract)
            {
                return new(ErrorCode.InvalidRequest, $"Unknown config operation {config.ConfigOperation} for {config.Name}.");
            }

            if (config.ConfigOperation is Append or Subtract && LogConfig.FindDefinition(config.Name)?.Type != ConfigType.List)
            {
                return new(ErrorCode.InvalidConfig, $"{config.Name} is not a list config, so it cannot be appended to or subtracted from.");
            }

            if (config.ConfigOperation is Set or Append or Subtract && config.Value is null)
            {
                return new(ErrorCode.InvalidRequest, $"No value given for {config.Name}.");
            }
        }

        return await alter(resource.ResourceName, overrides =>
        {
            foreach (var config in resource.Configs)
            {
                switch (config.ConfigOperation)
                {
                    case Set:
                        overrides[config.Name] = config.Value!;
                        break;
                    case Delete:
                        overrides.Remove(config.Name);
                        break;
                    case Append:
                        var appended = Items(overrides.GetValueOrDefault(config.Name));
                        appended.AddRange(Items(config.Value).Where(v => !appended.Contains(v)));
                        overrides[config.Name] = string.Join(',', appended);
                        break;
                    case Subtract:
                        var remove = Items(config.Value);
                        overrides[config.Name] = string.Join(',', Items(overrides.GetValueOrDefault(config.Name)).Where(v => !remove.Contains(v)));
                        break;
                }
            }

            return overrides;
        }, validateOnly).ConfigureAwait(false);
    }

    private static List<string> Items(string? list)
        => string.IsNullOrEmpty(list) ? [] : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    public override IncrementalAlterConfigsResponse ErrorResponse(RequestContext context, IncrementalAlterConfigsRequest request, ErrorCode error)
        => new()
        {
            Responses = request.Resources.Select(r => new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse { ResourceType = r.ResourceType, ResourceName = r.ResourceName, ErrorCode = (short)error }).ToList(),
        };
}
