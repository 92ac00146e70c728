using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>Metadata: the broker list (this node, also the controller) and each topic's partitions.</summary>
/// <remarks>In a cluster (etcd.endpoints) it answers from the cluster's metadata instead: every live broker, the controller, and each partition's leader, replicas and ISR.</remarks>
public sealed class MetadataHandler(
    TopicManager topics, TopicDescriber describer, ClusterInfo cluster, ClusterMetadata clusterMetadata, ClusterAdmin admin, Microsoft.Extensions.Options.IOptions<BrokerOptions> options)
    : ApiHandler<MetadataRequest, MetadataResponse>
{
    /// <summary>Every ACL operation (read, write, create, delete, alter, describe, cluster action, configs, idempotent write): no authorizer yet.</summary>
    internal const int AllTopicOperations = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

    internal const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey ApiKey => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    public override ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        if (clusterMetadata.Enabled)
        {
            return ClusterAsync(context, request, cancellationToken);
        }

        var response = NewResponse();
        if (request.IncludeClusterAuthorizedOperations)
        {
            response.ClusterAuthorizedOperations = AllClusterOperations;
        }

        // v0: an empty list means every topic; v1+: null means every topic and empty means none.
        var all = request.Topics is null || (context.ApiVersion == 0 && request.Topics.Count == 0);
        if (all)
        {
            foreach (var topic in topics.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                response.Topics.Add(Describe(topic, request.IncludeTopicAuthorizedOperations));
            }

            return ValueTask.FromResult<MetadataResponse?>(response);
        }

        // Auto-creation is always allowed below v4, which has no flag for it.
        var allowAutoCreate = context.ApiVersion < 4 || request.AllowAutoTopicCreation;
        foreach (var requested in request.Topics!)
        {
            TopicState? topic = null;
            if (requested.Name is null && context.ApiVersion < 12)
            {
                // As Kafka (InvalidRequestException): the response has no way to name such a topic before v12.
                throw new ProtocolException($"Metadata v{context.ApiVersion} names topics by name; a null name needs v12.");
            }

            if (requested.Name is null)
            {
                topic = topics.Topics.FirstOrDefault(t => t.TopicId == requested.TopicId);
                if (topic is null)
                {
                    response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = null, TopicId = requested.TopicId, ErrorCode = (short)ErrorCode.UnknownTopicId });
                    continue;
                }
            }
            else if (TopicNames.Validate(requested.Name) is not null)
            {
                response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)ErrorCode.InvalidTopicException });
                continue;
            }
            else
            {
                topic = topics.GetOrAutoCreate(requested.Name, allowAutoCreate, out var refused);
                if (topic is null && refused.Error != ErrorCode.None)
                {
                    // An auto-creation refused by a partition limit or a full disk: its code says why, not just "unknown".
                    response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)refused.Error });
                    continue;
                }
            }

            response.Topics.Add(topic is null
                ? new MetadataResponse.MetadataResponseTopic { Name = requested.Name, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition }
                : Describe(topic, request.IncludeTopicAuthorizedOperations));
        }

        return ValueTask.FromResult<MetadataResponse?>(response);
    }

    private async ValueTask<MetadataResponse?> ClusterAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        if (request.Topics is not null && !(context.ApiVersion == 0 && request.Topics.Count == 0))
        {
            if (request.Topics.Any(t => t.Name is null) && context.ApiVersion < 12)
            {
                throw new ProtocolException($"Metadata v{context.ApiVersion} names topics by name; a null name needs v12.");
            }

            // Auto-creation goes through the controller, before the view is taken, so the answer shows the new topics.
            var allowAutoCreate = (context.ApiVersion < 4 || request.AllowAutoTopicCreation) && options.Value.AutoCreateTopicsEnable;
            var refused = new Dictionary<string, ErrorCode>(StringComparer.Ordinal);
            foreach (var name in request.Topics.Select(t => t.Name).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (allowAutoCreate && !clusterMetadata.View.Topics.ContainsKey(name) && TopicNames.Validate(name) is null && !TopicNames.IsInternal(name))
                {
                    var error = await admin.AutoCreateAsync(name, options.Value.NumPartitions, options.Value.DefaultReplicationFactor, null, cancellationToken)
                        .ConfigureAwait(false);
                    if (error != ErrorCode.None)
                    {
                        refused[name] = error;
                    }
                }
            }

            return DescribeCluster(clusterMetadata.View, request, refused);
        }

        return DescribeCluster(clusterMetadata.View, request, null);
    }

    private MetadataResponse DescribeCluster(ClusterView view, MetadataRequest request, Dictionary<string, ErrorCode>? refused)
    {
        var response = new MetadataResponse
        {
            Brokers = [.. view.Brokers.Values.Select(b => new MetadataResponse.MetadataResponseBroker { NodeId = b.Id, Host = b.Host, Port = b.Port, Rack = b.Rack })],
            ClusterId = cluster.ClusterId,
            ControllerId = view.ControllerId,
            Topics = [],
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AllClusterOperations : int.MinValue,
        };
        if (refused is null)
        {
            foreach (var (name, assignment) in view.Topics)
            {
                response.Topics.Add(DescribeCluster(view, name, assignment, request.IncludeTopicAuthorizedOperations));
            }

            return response;
        }

        foreach (var requested in request.Topics!)
        {
            var name = requested.Name ?? view.Topics.FirstOrDefault(t => t.Value.TopicId == requested.TopicId).Key;
            if (name is not null && view.Topics.TryGetValue(name, out var assignment))
            {
                response.Topics.Add(DescribeCluster(view, name, assignment, request.IncludeTopicAuthorizedOperations));
                continue;
            }

            var error = requested.Name is null ? ErrorCode.UnknownTopicId
                : TopicNames.Validate(requested.Name) is not null ? ErrorCode.InvalidTopicException
                : refused.GetValueOrDefault(requested.Name, ErrorCode.UnknownTopicOrPartition);
            response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = requested.Name, TopicId = requested.TopicId, ErrorCode = (short)error });
        }

        return response;
    }

    private static MetadataResponse.MetadataResponseTopic DescribeCluster(ClusterView view, string name, Platform.Cluster.TopicAssignment assignment, bool includeOperations)
        => ToResponse(TopicDescriber.Describe(view, name, assignment), includeOperations);

    private MetadataResponse NewResponse()
        => new()
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = cluster.NodeId, Host = cluster.AdvertisedHost, Port = cluster.AdvertisedPort }],
            ClusterId = cluster.ClusterId,
            ControllerId = cluster.NodeId,
            Topics = [],
        };

    private MetadataResponse.MetadataResponseTopic Describe(TopicState topic, bool includeOperations) => ToResponse(describer.Describe(topic), includeOperations);

    private static MetadataResponse.MetadataResponseTopic ToResponse(TopicDescription topic, bool includeOperations)
        => new()
        {
            Name = topic.Name,
            TopicId = topic.TopicId,
            IsInternal = topic.IsInternal,
            Partitions = [.. topic.Partitions.Select(p => new MetadataResponse.MetadataResponsePartition
            {
                ErrorCode = (short)p.Error,
                PartitionIndex = p.Index,
                LeaderId = p.Leader,
                LeaderEpoch = p.LeaderEpoch,
                ReplicaNodes = [.. p.Replicas],
                IsrNodes = [.. p.Isr],
                OfflineReplicas = [.. p.Offline],
            })],
            TopicAuthorizedOperations = includeOperations ? AllTopicOperations : int.MinValue,
        };

    public override MetadataResponse ErrorResponse(RequestContext context, MetadataRequest request, ErrorCode error)
    {
        var response = NewResponse();
        foreach (var topic in request.Topics ?? [])
        {
            response.Topics.Add(new MetadataResponse.MetadataResponseTopic { Name = topic.Name, TopicId = topic.TopicId, ErrorCode = (short)error });
        }

        return response;
    }
}
