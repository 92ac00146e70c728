using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DescribeCluster: this broker, which is also the controller.</summary>
/// <remarks>In a cluster: every registered broker and the elected controller.</remarks>
public sealed class DescribeClusterHandler(ClusterInfo cluster, ClusterMetadata metadata) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokerEndpoint = 1;

    public override ApiKey ApiKey => ApiKey.DescribeCluster;

    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    public override ValueTask<DescribeClusterResponse?> HandleAsync(RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= 1 && request.EndpointType != BrokerEndpoint)
        {
            return ValueTask.FromResult<DescribeClusterResponse?>(ErrorResponse(context, request, ErrorCode.UnsupportedEndpointType));
        }

        if (metadata.Enabled)
        {
            var view = metadata.View;
            return ValueTask.FromResult<DescribeClusterResponse?>(new DescribeClusterResponse
            {
                ClusterId = cluster.ClusterId,
                ControllerId = view.ControllerId,
                EndpointType = BrokerEndpoint,
                Brokers = [.. view.Brokers.Values.Select(b => new DescribeClusterResponse.DescribeClusterBroker { BrokerId = b.Id, Host = b.Host, Port = b.Port, Rack = b.Rack })],
                ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? MetadataHandler.AllClusterOperations : int.MinValue,
            });
        }

        return ValueTask.FromResult<DescribeClusterResponse?>(new DescribeClusterResponse
        {
            ClusterId = cluster.ClusterId,
            ControllerId = cluster.NodeId,
            EndpointType = BrokerEndpoint,
            Brokers = [new DescribeClusterResponse.DescribeClusterBroker { BrokerId = cluster.NodeId, Host = cluster.AdvertisedHost, Port = cluster.AdvertisedPort }],
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? MetadataHandler.AllClusterOperations : int.MinValue,
        });
    }

    public override DescribeClusterResponse ErrorResponse(RequestContext context, DescribeClusterRequest request, ErrorCode error)
        => new() { ErrorCode = (short)error, ClusterId = cluster.ClusterId, ControllerId = cluster.NodeId, EndpointType = request.EndpointType, Brokers = [] };
}
