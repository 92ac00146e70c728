using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    public async Task<IReadOnlyList<TopicListing>> ListTopicsAsync(ListTopicsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var metadata = await GetMetadataAsync(null, cancellationToken).ConfigureAwait(false);
        return metadata.Topics
            .Where(t => !t.Error.IsError && (options?.ListInternal == true || !t.IsInternal))
            .Select(t => new TopicListing(t.Topic, t.TopicId, t.IsInternal))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<DescribeTopicsResult> DescribeTopicsAsync(
        IEnumerable<string> topics,
        DescribeTopicsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var names = topics.Distinct().ToList();
        if (names.Count == 0)
        {
            return new DescribeTopicsResult([]);
        }

        var metadata = await GetMetadataAsync(names, cancellationToken).ConfigureAwait(false);
        var nodes = metadata.Brokers.ToDictionary(b => b.BrokerId, b => new Node(b.BrokerId, b.Host, b.Port, b.Rack));
        Node NodeOf(int id) => nodes.TryGetValue(id, out var node) ? node : new Node(id, "", -1);

        var descriptions = new List<TopicDescription>(names.Count);
        foreach (var name in names)
        {
            var topic = metadata.Topics.FirstOrDefault(t => t.Topic == name);
            if (topic is null)
            {
                descriptions.Add(new TopicDescription(name, Guid.Empty, false, [], new Error(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.")));
                continue;
            }

            var error = topic.Error.Code == ErrorCode.UnknownTopicOrPartition
                ? new Error(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.")
                : topic.Error;
            var partitions = topic.Partitions
                .Select(p => new TopicPartitionInfo(
                    p.PartitionId,
                    p.Leader >= 0 ? NodeOf(p.Leader) : null,
                    p.Replicas.Select(NodeOf).ToList(),
                    p.InSyncReplicas.Select(NodeOf).ToList()))
                .ToList();
            descriptions.Add(new TopicDescription(name, topic.TopicId, topic.IsInternal, partitions, error));
        }

        if (descriptions.Any(d => d.Error.IsError))
        {
            throw new DescribeTopicsException(descriptions);
        }

        return new DescribeTopicsResult(descriptions);
    }

    public async Task CreateTopicsAsync(IEnumerable<TopicSpecification> topics, CreateTopicsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var specs = topics.ToList();
        foreach (var spec in specs)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(spec?.Name, nameof(topics));
        }

        var response = await SendToControllerAsync<CreateTopicsResponse>(
            _ => new CreateTopicsRequest
            {
                Topics = specs.Select(ToCreatable).ToList(),
                TimeoutMs = OperationTimeoutMs(options),
                ValidateOnly = options?.ValidateOnly ?? false,
            },
            ApiKey.CreateTopics,
            r => r.Topics.Select(t => t.ErrorCode),
            cancellationToken).ConfigureAwait(false);

        var reports = specs
            .Select(s => response.Topics.FirstOrDefault(t => t.Name == s.Name) is { } result
                ? new CreateTopicReport(s.Name, Error.FromWire(result.ErrorCode, result.ErrorMessage))
                : new CreateTopicReport(s.Name, new Error(ErrorCode.UnknownServerError, "The broker did not answer for this topic.")))
            .ToList();
        if (reports.Any(r => r.Error.IsError))
        {
            throw new CreateTopicsException(reports);
        }
    }

    private static CreateTopicsRequest.CreatableTopic ToCreatable(TopicSpecification spec)
    {
        var creatable = new CreateTopicsRequest.CreatableTopic
        {
            Name = spec.Name,
            NumPartitions = spec.ReplicasAssignments is null ? spec.NumPartitions : -1,
            ReplicationFactor = spec.ReplicasAssignments is null ? spec.ReplicationFactor : (short)-1,
        };
        if (spec.ReplicasAssignments is { } assignments)
        {
            creatable.Assignments = assignments
                .OrderBy(a => a.Key)
                .Select(a => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = a.Key, BrokerIds = [.. a.Value] })
                .ToList();
        }

        if (spec.Configs is { } configs)
        {
            creatable.Configs = configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value }).ToList();
        }

        return creatable;
    }

    public async Task DeleteTopicsAsync(IEnumerable<string> topics, DeleteTopicsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var names = topics.Distinct().ToList();
        var response = await SendToControllerAsync<DeleteTopicsResponse>(
            version => version >= 6
                ? new DeleteTopicsRequest { Topics = names.Select(n => new DeleteTopicsRequest.DeleteTopicState { Name = n }).ToList(), TimeoutMs = OperationTimeoutMs(options) }
                : new DeleteTopicsRequest { TopicNames = names, TimeoutMs = OperationTimeoutMs(options) },
            ApiKey.DeleteTopics,
            r => r.Responses.Select(t => t.ErrorCode),
            cancellationToken).ConfigureAwait(false);

        var reports = names
            .Select(n => response.Responses.FirstOrDefault(t => t.Name == n) is { } result
                ? new DeleteTopicReport(n, Error.FromWire(result.ErrorCode, result.ErrorMessage))
                : new DeleteTopicReport(n, new Error(ErrorCode.UnknownServerError, "The broker did not answer for this topic.")))
            .ToList();
        if (reports.Any(r => r.Error.IsError))
        {
            throw new DeleteTopicsException(reports);
        }
    }

    public async Task CreatePartitionsAsync(
        IEnumerable<PartitionsSpecification> partitionsSpecifications,
        CreatePartitionsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitionsSpecifications);
        var specs = partitionsSpecifications.ToList();
        var response = await SendToControllerAsync<CreatePartitionsResponse>(
            _ => new CreatePartitionsRequest
            {
                Topics = specs.Select(s => new CreatePartitionsRequest.CreatePartitionsTopic
                {
                    Name = s.Topic,
                    Count = s.IncreaseTo,
                    // Null lets the broker place the new partitions.
                    Assignments = s.ReplicaAssignments?.Select(a => new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [.. a] }).ToList(),
                }).ToList(),
                TimeoutMs = OperationTimeoutMs(options),
                ValidateOnly = options?.ValidateOnly ?? false,
            },
            ApiKey.CreatePartitions,
            r => r.Results.Select(t => t.ErrorCode),
            cancellationToken).ConfigureAwait(false);

        var reports = specs
            .Select(s => response.Results.FirstOrDefault(t => t.Name == s.Topic) is { } result
                ? new CreatePartitionsReport(s.Topic, Error.FromWire(result.ErrorCode, result.ErrorMessage))
                : new CreatePartitionsReport(s.Topic, new Error(ErrorCode.UnknownServerError, "The broker did not answer for this topic.")))
            .ToList();
        if (reports.Any(r => r.Error.IsError))
        {
            throw new CreatePartitionsException(reports);
        }
    }
}
