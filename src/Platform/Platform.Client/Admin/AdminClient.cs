using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

/// <summary>
/// The admin client: topic and config operations go to the controller (retried once after
/// NOT_CONTROLLER), metadata to any broker, offset lookups to each partition's leader.
/// </summary>
internal sealed partial class AdminClient : IAdminClient
{
    private const int ControllerRetries = 2;

    private readonly ClusterConnections _cluster;
    private readonly CoordinatorLocator _coordinators;

    public AdminClient(IReadOnlyList<BrokerAddress> bootstrap, KafkaConnectionOptions options)
    {
        _cluster = new ClusterConnections(bootstrap, options);
        _coordinators = new CoordinatorLocator(_cluster);
    }

    public string Name => _cluster.Options.ClientId ?? "";

    public async Task<Metadata> GetMetadataAsync(IEnumerable<string>? topics = null, CancellationToken cancellationToken = default)
    {
        var (response, source) = await _cluster.RefreshMetadataAsync(topics?.ToList(), cancellationToken).ConfigureAwait(false);
        var brokers = response.Brokers.Select(b => new BrokerMetadata(b.NodeId, b.Host, b.Port, b.Rack)).ToList();
        var originating = brokers.FirstOrDefault(b => new BrokerAddress(b.Host, b.Port) == source.Address)?.BrokerId ?? -1;
        var topicMetadata = response.Topics
            .Select(t => new TopicMetadata(
                t.Name ?? "",
                t.TopicId,
                t.IsInternal,
                t.Partitions
                    .OrderBy(p => p.PartitionIndex)
                    .Select(p => new PartitionMetadata(
                        p.PartitionIndex, p.LeaderId, p.LeaderEpoch, p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas, Error.FromWire(p.ErrorCode)))
                    .ToList(),
                Error.FromWire(t.ErrorCode)))
            .ToList();
        return new Metadata(brokers, topicMetadata, response.ClusterId, response.ControllerId, originating, source.Address.ToString());
    }

    public Metadata GetMetadata(TimeSpan timeout) => ClientConfigSupport.Blocking(ct => GetMetadataAsync(null, ct), timeout);

    public Metadata GetMetadata(string topic, TimeSpan timeout) => ClientConfigSupport.Blocking(ct => GetMetadataAsync([topic], ct), timeout);

    public async Task<DescribeClusterResult> DescribeClusterAsync(DescribeClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connection = await _cluster.GetAnyAsync(cancellationToken).ConfigureAwait(false);
        if (!connection.ApiVersions.Supports(ApiKey.DescribeCluster))
        {
            // Older brokers: Metadata carries the same facts.
            var metadata = await GetMetadataAsync([], cancellationToken).ConfigureAwait(false);
            var nodes = metadata.Brokers.Select(b => new Node(b.BrokerId, b.Host, b.Port, b.Rack)).ToList();
            return new DescribeClusterResult(metadata.ClusterId, nodes.FirstOrDefault(n => n.Id == metadata.ControllerId), nodes);
        }

        var response = await connection.SendAsync<DescribeClusterResponse>(new DescribeClusterRequest(), cancellationToken).ConfigureAwait(false);
        ThrowIfError(response.ErrorCode, response.ErrorMessage);
        var brokers = response.Brokers.Select(b => new Node(b.BrokerId, b.Host, b.Port, b.Rack)).ToList();
        return new DescribeClusterResult(response.ClusterId, brokers.FirstOrDefault(b => b.Id == response.ControllerId), brokers);
    }

    /// <summary>
    /// Sends a request built for the negotiated version to the controller; when an item comes back
    /// NOT_CONTROLLER the controller moved, so metadata is refreshed and the request sent again.
    /// </summary>
    private async Task<TResponse> SendToControllerAsync<TResponse>(
        Func<short, IRequestMessage> build,
        ApiKey apiKey,
        Func<TResponse, IEnumerable<short>> errorCodes,
        CancellationToken cancellationToken)
        where TResponse : IResponseMessage, new()
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await _cluster.GetControllerAsync(cancellationToken).ConfigureAwait(false);
            var version = connection.ApiVersions.Select(apiKey);
            var response = await connection.SendAsync<TResponse>(build(version), version, cancellationToken).ConfigureAwait(false);
            if (attempt < ControllerRetries && errorCodes(response).Any(c => c == (short)ErrorCode.NotController))
            {
                _cluster.InvalidateController();
                continue;
            }

            return response;
        }
    }

    private int OperationTimeoutMs(AdminOptions? options)
        => (int)Math.Min(int.MaxValue, (options?.OperationTimeout ?? _cluster.Options.RequestTimeout).TotalMilliseconds);

    private static void ThrowIfError(short code, string? message)
    {
        if (code != 0)
        {
            throw new KafkaException(Error.FromWire(code, message));
        }
    }


    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
