using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>Metadata: the broker list (this node, also the controller) and each topic's partitions.</summary>
public sealed class MetadataHandler(TopicManager topics, ClusterInfo cluster) : ApiHandler<MetadataRequest, MetadataResponse>
{
    /// <summary>Every ACL operation (read, write, create, delete, alter, describe, cluster action, configs, idempotent write): no authorizer yet.</summary>
    internal const int AllTopicOperations = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

    internal const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey ApiKey => ApiKey.Metadata;

    public override short MinVersion => 0;

    public override short MaxVersion => 12;

    public override ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
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

    private MetadataResponse NewResponse()
        => new()
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = cluster.NodeId, Host = cluster.AdvertisedHost, Port = cluster.AdvertisedPort }],
            ClusterId = cluster.ClusterId,
            ControllerId = cluster.NodeId,
            Topics = [],
        };

    private MetadataResponse.MetadataResponseTopic Describe(TopicState topic, bool includeOperations)
    {
        var partitions = topic.Partitions;
        var result = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.TopicId,
            IsInternal = topic.IsInternal,
            Partitions = new(partitions.Count),
            TopicAuthorizedOperations = includeOperations ? AllTopicOperations : int.MinValue,
        };
        foreach (var partition in partitions)
        {
            if (partition.IsOffline)
            {
                // Kafka's answer for a partition whose only replica sits on a failed log (not opened at start, or taken
                // offline by an I/O error): no leader, replica offline, KAFKA_STORAGE_ERROR.
                result.Partitions.Add(new MetadataResponse.MetadataResponsePartition
                {
                    ErrorCode = (short)ErrorCode.KafkaStorageError,
                    PartitionIndex = partition.Index,
                    LeaderId = -1,
                    LeaderEpoch = partition.LeaderEpoch,
                    ReplicaNodes = [cluster.NodeId],
                    IsrNodes = [],
                    OfflineReplicas = [cluster.NodeId],
                });
                continue;
            }
            result.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                PartitionIndex = partition.Index,
                LeaderId = cluster.NodeId,
                LeaderEpoch = partition.LeaderEpoch,
                ReplicaNodes = [cluster.NodeId],
                IsrNodes = [cluster.NodeId],
            });
        }

        return result;
    }

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
