using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DescribeConfigs for topics and this broker, with sources, synonyms (v1+) and types (v3+).</summary>
public sealed class DescribeConfigsHandler(TopicManager topics, ConfigDescriber describer, ClusterMetadata metadata) : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeConfigsResponse { Results = new(request.Resources.Count) };
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, Configs = [] };
            response.Results.Add(result);
            IEnumerable<ConfigEntry> entries;
            switch (resource.ResourceType)
            {
                case ConfigDescriber.ResourceTopic when Find(resource.ResourceName) is { } topic:
                    entries = describer.DescribeTopic(topic, resource.ConfigurationKeys, request.IncludeSynonyms);
                    break;
                case ConfigDescriber.ResourceTopic:
                    result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    result.ErrorMessage = $"Topic '{resource.ResourceName}' does not exist.";
                    continue;
                case ConfigDescriber.ResourceBroker when resource.ResourceName.Length == 0 || resource.ResourceName == describer.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture):
                    entries = describer.DescribeBroker(resource.ConfigurationKeys, request.IncludeSynonyms);
                    break;
                case ConfigDescriber.ResourceBroker:
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = $"Broker id '{resource.ResourceName}' is not this broker ({describer.NodeId}).";
                    continue;
                default:
                    result.ErrorCode = (short)ErrorCode.InvalidRequest;
                    result.ErrorMessage = $"Resource type {resource.ResourceType} is not supported.";
                    continue;
            }

            foreach (var entry in entries)
            {
                result.Configs.Add(new DescribeConfigsResponse.DescribeConfigsResourceResult
                {
                    Name = entry.Name,
                    Value = entry.Value,
                    ReadOnly = entry.ReadOnly,
                    IsDefault = context.ApiVersion == 0 && entry.ConfigSource == ConfigDescriber.SourceDefault,
                    ConfigSource = entry.ConfigSource,
                    IsSensitive = entry.IsSensitive,
                    ConfigType = entry.ConfigType,
                    Documentation = request.IncludeDocumentation ? entry.Documentation : null,
                    Synonyms = entry.Synonyms.Select(s => new DescribeConfigsResponse.DescribeConfigsSynonym { Name = s.Name, Value = s.Value, Source = s.Source }).ToList(),
                });
            }
        }

        return ValueTask.FromResult<DescribeConfigsResponse?>(response);
    }

    /// <summary>The topic hosted here, or in a cluster one known only from the cluster's metadata (not hosted on this broker).</summary>
    private TopicState? Find(string name)
        => topics.TryGetTopic(name, out var topic) ? topic
            : metadata.Enabled && metadata.View.Topics.TryGetValue(name, out var assignment) ? topics.Describe(name, assignment.TopicId, assignment.Configs)
            : null;

    public override DescribeConfigsResponse ErrorResponse(RequestContext context, DescribeConfigsRequest request, ErrorCode error)
        => new()
        {
            Results = request.Resources.Select(r => new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = r.ResourceType, ResourceName = r.ResourceName, ErrorCode = (short)error, Configs = [] }).ToList(),
        };
}
