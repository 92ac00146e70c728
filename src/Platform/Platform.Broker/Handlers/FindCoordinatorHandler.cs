using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// FindCoordinator: this broker coordinates every group (it leads every <c>__consumer_offsets</c>
/// partition, which is created on the first request). There is no transaction coordinator yet, so
/// transactional ids get COORDINATOR_NOT_AVAILABLE. v4 looks up a batch of keys.
/// </summary>
public sealed class FindCoordinatorHandler(GroupCoordinator coordinator, Transactions.TransactionCoordinator transactions, ClusterInfo cluster) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    // v0 stays: librdkafka before 2.11 enables group consumers only when the range includes it.
    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion >= 4)
        {
            response.Coordinators = request.CoordinatorKeys.Select(key => Lookup(key, request.KeyType)).ToList();
            return ValueTask.FromResult<FindCoordinatorResponse?>(response);
        }

        var found = Lookup(request.Key, request.KeyType);
        response.ErrorCode = found.ErrorCode;
        response.ErrorMessage = context.ApiVersion >= 1 ? found.ErrorMessage : "";
        response.NodeId = found.NodeId;
        response.Host = found.Host;
        response.Port = found.Port;
        return ValueTask.FromResult<FindCoordinatorResponse?>(response);
    }

    private FindCoordinatorResponse.Coordinator Lookup(string key, sbyte keyType)
    {
        var error = keyType switch
        {
            GroupKeyType => coordinator.CoordinatorFor(key),
            TransactionKeyType => transactions.CoordinatorFor(key),
            _ => ErrorCode.InvalidRequest,
        };
        return error == ErrorCode.None
            ? new FindCoordinatorResponse.Coordinator { Key = key, NodeId = cluster.NodeId, Host = cluster.AdvertisedHost, Port = cluster.AdvertisedPort, ErrorMessage = null }
            : Failed(key, error);
    }

    private static FindCoordinatorResponse.Coordinator Failed(string key, ErrorCode error)
        => new() { Key = key, ErrorCode = (short)error, ErrorMessage = error.ToKafkaName(), NodeId = -1, Host = "", Port = -1 };

    public override FindCoordinatorResponse ErrorResponse(RequestContext context, FindCoordinatorRequest request, ErrorCode error)
        => context.ApiVersion >= 4
            ? new FindCoordinatorResponse { Coordinators = request.CoordinatorKeys.Select(k => Failed(k, error)).ToList() }
            : new FindCoordinatorResponse { ErrorCode = (short)error, ErrorMessage = context.ApiVersion >= 1 ? error.ToKafkaName() : "", NodeId = -1, Host = "", Port = -1 };
}
