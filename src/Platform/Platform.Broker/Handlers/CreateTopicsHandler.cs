using Platform.Broker.Cluster;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Handlers;

/// <summary>CreateTopics, with validate-only, default partitions/replication (-1) and the created configs (v5+).</summary>
public sealed class CreateTopicsHandler(TopicManager topics, ConfigDescriber configs, ClusterMetadata cluster, ClusterAdmin admin) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    public override short MinVersion => 0;

    public override short MaxVersion => 7;

    public override async ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext context, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        if (cluster.Enabled)
        {
            var created = await admin.ViaControllerAsync(
                context, request, controller => admin.CreateTopicsAsync(controller, request, cancellationToken), e => ErrorResponse(context, request, e), cancellationToken)
                .ConfigureAwait(false);
            var names = created.Topics.Where(t => t.ErrorCode == 0).Select(t => t.Name).ToList();
            await cluster.WaitForAsync(v => names.All(v.Topics.ContainsKey), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return created;
        }

        return Create(request);
    }

    private CreateTopicsResponse Create(CreateTopicsRequest request)
    {
        var response = new CreateTopicsResponse { Topics = new(request.Topics.Count) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var requested = 0L;
        foreach (var creatable in request.Topics)
        {
            var result = new CreateTopicsResponse.CreatableTopicResult { Name = creatable.Name, NumPartitions = -1, ReplicationFactor = -1 };
            response.Topics.Add(result);
            if (!seen.Add(creatable.Name))
            {
                Fail(result, new(ErrorCode.InvalidRequest, $"Topic '{creatable.Name}' appears more than once in the request."));
                continue;
            }

            var partitions = creatable.NumPartitions;
            if (creatable.Assignments.Count > 0)
            {
                if (partitions != -1 || creatable.ReplicationFactor != -1)
                {
                    Fail(result, new(ErrorCode.InvalidRequest, "Both manual replica assignments and a partition count or replication factor were given."));
                    continue;
                }

                if (creatable.Assignments.Any(a => a.BrokerIds.Any(b => b != configs.NodeId)))
                {
                    Fail(result, new(ErrorCode.InvalidReplicaAssignment, $"Replica assignments may only name broker {configs.NodeId}."));
                    continue;
                }

                partitions = creatable.Assignments.Count;
            }

            // max.partitions.per.request holds for the request as a whole, not only for each topic in it.
            requested += partitions == -1 ? topics.DefaultNumPartitions : Math.Max(0, partitions);
            if (requested > topics.MaxPartitionsPerRequest)
            {
                Fail(result, new(ErrorCode.InvalidPartitions, $"This request asks for {requested} partitions up to topic '{creatable.Name}'; at most {topics.MaxPartitionsPerRequest} may be created at once (max.partitions.per.request)."));
                continue;
            }

            var requestedConfigs = creatable.Configs.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);
            var outcome = topics.CreateTopic(creatable.Name, partitions, creatable.Assignments.Count > 0 ? (short)1 : creatable.ReplicationFactor, requestedConfigs, request.ValidateOnly);
            if (outcome.Error != ErrorCode.None)
            {
                Fail(result, outcome);
                continue;
            }

            if (topics.TryGetTopic(creatable.Name, out var topic))
            {
                result.TopicId = topic.TopicId;
                result.NumPartitions = topic.Partitions.Count;
                result.ReplicationFactor = 1;
                result.Configs = configs.DescribeTopic(topic, keys: null, includeSynonyms: false)
                    .Select(c => new CreateTopicsResponse.CreatableTopicConfigs { Name = c.Name, Value = c.Value, ReadOnly = c.ReadOnly, ConfigSource = c.ConfigSource, IsSensitive = c.IsSensitive })
                    .ToList();
            }
        }

        return response;
    }

    private static void Fail(CreateTopicsResponse.CreatableTopicResult result, TopicResult outcome)
    {
        result.ErrorCode = (short)outcome.Error;
        result.ErrorMessage = outcome.Message;
        result.Configs = null;
    }

    public override CreateTopicsResponse ErrorResponse(RequestContext context, CreateTopicsRequest request, ErrorCode error)
        => new()
        {
            Topics = request.Topics.Select(t => new CreateTopicsResponse.CreatableTopicResult { Name = t.Name, ErrorCode = (short)error, NumPartitions = -1, ReplicationFactor = -1, Configs = null }).ToList(),
        };
}
