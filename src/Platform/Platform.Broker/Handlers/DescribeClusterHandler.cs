using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>DescribeCluster: this broker, which is also the controller.</summary>
public sealed class DescribeClusterHandler(ClusterInfo cluster) : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
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
