using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>
/// FindCoordinator: a broker alone coordinates every group and transactional id (it leads every
/// partition of <c>__consumer_offsets</c> and <c>__transaction_state</c>, created on the first request).
/// v4 looks up a batch of keys.
/// </summary>
/// <remarks>
/// In a cluster the coordinator of a key is the leader of its partition of <c>__consumer_offsets</c> or
/// <c>__transaction_state</c>, which the controller creates on the first request (with
/// offsets.topic.replication.factor / transaction.state.log.replication.factor replicas).
/// </remarks>
public sealed class FindCoordinatorHandler(
    GroupCoordinator coordinator, Transactions.TransactionCoordinator transactions, ClusterInfo cluster, ClusterMetadata metadata, ClusterAdmin admin,
    Microsoft.Extensions.Options.IOptions<BrokerOptions> options) : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    // v0 stays: librdkafka before 2.11 enables group consumers only when the range includes it.
    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    public override async ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        Func<string, FindCoordinatorResponse.Coordinator> lookup = key => Lookup(key, request.KeyType);
        if (metadata.Enabled)
        {
            var ready = await EnsureInternalTopicAsync(request.KeyType, cancellationToken).ConfigureAwait(false);
            lookup = key => ready == ErrorCode.None ? LookupInCluster(key, request.KeyType) : Failed(key, ready);
        }

        if (context.ApiVersion >= 4)
        {
            response.Coordinators = request.CoordinatorKeys.Select(lookup).ToList();
            return response;
        }

        var found = lookup(request.Key);
        response.ErrorCode = found.ErrorCode;
        response.ErrorMessage = context.ApiVersion >= 1 ? found.ErrorMessage : "";
        response.NodeId = found.NodeId;
        response.Host = found.Host;
        response.Port = found.Port;
        return response;
    }

    private string? InternalTopic(sbyte keyType) => keyType switch
    {
        GroupKeyType => Groups.GroupCoordinator.TopicName,
        TransactionKeyType => Transactions.TransactionCoordinator.TopicName,
        _ => null,
    };

    /// <summary>Has the controller create the key type's internal topic if it does not exist yet; COORDINATOR_NOT_AVAILABLE if it cannot (too few brokers).</summary>
    private async Task<ErrorCode> EnsureInternalTopicAsync(sbyte keyType, CancellationToken cancellationToken)
    {
        if (InternalTopic(keyType) is not { } topic)
        {
            return ErrorCode.InvalidRequest;
        }

        if (metadata.View.Topics.ContainsKey(topic))
        {
            return ErrorCode.None;
        }

        var settings = options.Value;
        var created = keyType == GroupKeyType
            ? await admin.AutoCreateAsync(topic, settings.OffsetsTopicNumPartitions, settings.OffsetsTopicReplicationFactor, new Dictionary<string, string>
            {
                ["cleanup.policy"] = "compact",
                ["segment.bytes"] = settings.OffsetsTopicSegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["compression.type"] = "producer",
            }, cancellationToken).ConfigureAwait(false)
            : await admin.AutoCreateAsync(topic, settings.TransactionStateLogNumPartitions, settings.TransactionStateLogReplicationFactor, new Dictionary<string, string>
            {
                ["cleanup.policy"] = "compact",
                ["segment.bytes"] = settings.TransactionStateLogSegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["compression.type"] = "uncompressed",
                ["min.insync.replicas"] = Math.Min(settings.TransactionStateLogMinIsr, settings.TransactionStateLogReplicationFactor).ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken).ConfigureAwait(false);
        return created == ErrorCode.None ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
    }

    private FindCoordinatorResponse.Coordinator LookupInCluster(string key, sbyte keyType)
    {
        if (string.IsNullOrEmpty(key) && keyType == TransactionKeyType)
        {
            return Failed(key, ErrorCode.InvalidRequest);
        }

        var topic = InternalTopic(keyType)!;
        var view = metadata.View;
        if (!view.Topics.TryGetValue(topic, out var assignment))
        {
            return Failed(key, ErrorCode.CoordinatorNotAvailable);
        }

        var partition = GroupPartitioner.PartitionFor(key, assignment.Replicas.Length);
        return view.Leader(topic, partition) is { } leader
            ? new FindCoordinatorResponse.Coordinator { Key = key, NodeId = leader.Id, Host = leader.Host, Port = leader.Port, ErrorMessage = null }
            : Failed(key, ErrorCode.CoordinatorNotAvailable);
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
