using System.Globalization;
using Platform.Client.Network;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    public async Task<List<DescribeConfigsResult>> DescribeConfigsAsync(
        IEnumerable<ConfigResource> resources,
        DescribeConfigsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var list = resources.Distinct().ToList();
        var results = new Dictionary<ConfigResource, DescribeConfigsResult>();

        // A broker's own configs are only known to that broker; everything else any broker can answer.
        foreach (var group in list.GroupBy(BrokerTarget))
        {
            var connection = await ConnectionForAsync(group.Key, cancellationToken).ConfigureAwait(false);
            var request = new DescribeConfigsRequest
            {
                Resources = group.Select(r => new DescribeConfigsRequest.DescribeConfigsResource
                {
                    ResourceType = (sbyte)r.Type,
                    ResourceName = r.Name,
                    ConfigurationKeys = null,
                }).ToList(),
                IncludeSynonyms = options?.IncludeSynonyms ?? false,
            };
            var response = await connection.SendAsync<DescribeConfigsResponse>(request, cancellationToken).ConfigureAwait(false);
            foreach (var result in response.Results)
            {
                var resource = new ConfigResource((ResourceType)result.ResourceType, result.ResourceName);
                var entries = result.Configs.ToDictionary(
                    c => c.Name,
                    c => new ConfigEntryResult(
                        c.Name,
                        c.Value,
                        (ConfigSource)Math.Max((sbyte)0, c.ConfigSource),
                        c.IsDefault || c.ConfigSource == (sbyte)ConfigSource.DefaultConfig,
                        c.ReadOnly,
                        c.IsSensitive,
                        c.Synonyms.Select(s => new ConfigSynonym(s.Name, s.Value, (ConfigSource)s.Source)).ToList()));
                results[resource] = new DescribeConfigsResult(resource, entries, Error.FromWire(result.ErrorCode, result.ErrorMessage));
            }
        }

        var ordered = list
            .Select(r => results.TryGetValue(r, out var result)
                ? result
                : new DescribeConfigsResult(r, new Dictionary<string, ConfigEntryResult>(), new Error(Protocol.ErrorCode.UnknownServerError, "The broker did not answer for this resource.")))
            .ToList();
        if (ordered.Any(r => r.Error.IsError))
        {
            throw new DescribeConfigsException(ordered);
        }

        return ordered;
    }

    public async Task<List<IncrementalAlterConfigsResult>> IncrementalAlterConfigsAsync(
        IDictionary<ConfigResource, List<ConfigEntry>> configs,
        IncrementalAlterConfigsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var results = new Dictionary<ConfigResource, IncrementalAlterConfigsResult>();
        foreach (var group in configs.GroupBy(c => BrokerTarget(c.Key)))
        {
            IncrementalAlterConfigsRequest Build(short version) => new()
            {
                Resources = group.Select(c => new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = (sbyte)c.Key.Type,
                    ResourceName = c.Key.Name,
                    Configs = c.Value.Select(e => new IncrementalAlterConfigsRequest.AlterableConfig
                    {
                        Name = e.Name,
                        ConfigOperation = (sbyte)e.IncrementalOperation,
                        Value = e.IncrementalOperation == AlterConfigOpType.Delete ? null : e.Value,
                    }).ToList(),
                }).ToList(),
                ValidateOnly = options?.ValidateOnly ?? false,
            };

            IncrementalAlterConfigsResponse response;
            if (group.Key is { } brokerId)
            {
                var connection = await _cluster.GetNodeAsync(brokerId, cancellationToken).ConfigureAwait(false);
                response = await connection.SendAsync<IncrementalAlterConfigsResponse>(Build(0), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                response = await SendToControllerAsync<IncrementalAlterConfigsResponse>(
                    Build, ApiKey.IncrementalAlterConfigs, r => r.Responses.Select(x => x.ErrorCode), cancellationToken).ConfigureAwait(false);
            }

            foreach (var result in response.Responses)
            {
                var resource = new ConfigResource((ResourceType)result.ResourceType, result.ResourceName);
                results[resource] = new IncrementalAlterConfigsResult(resource, Error.FromWire(result.ErrorCode, result.ErrorMessage));
            }
        }

        var ordered = configs.Keys
            .Select(r => results.TryGetValue(r, out var result)
                ? result
                : new IncrementalAlterConfigsResult(r, new Error(Protocol.ErrorCode.UnknownServerError, "The broker did not answer for this resource.")))
            .ToList();
        if (ordered.Any(r => r.Error.IsError))
        {
            throw new IncrementalAlterConfigsException(ordered);
        }

        return ordered;
    }

    /// <summary>The broker a resource's configs live on, or null when any broker (the controller) will do.</summary>
    private static int? BrokerTarget(ConfigResource resource)
        => resource.Type is ResourceType.Broker or ResourceType.BrokerLogger
            && int.TryParse(resource.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    private Task<KafkaConnection> ConnectionForAsync(int? brokerId, CancellationToken cancellationToken)
        => brokerId is { } id ? _cluster.GetNodeAsync(id, cancellationToken) : _cluster.GetAnyAsync(cancellationToken);
}
