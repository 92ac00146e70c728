using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

/// <summary>Kafka's leader election types (ElectLeaders).</summary>
public enum ElectionType
{
    /// <summary>Move leadership to the preferred (first) replica if it is alive and in sync.</summary>
    Preferred = 0,

    /// <summary>Elect a leader for a partition without one, outside the ISR if need be (records may be lost).</summary>
    Unclean = 1,
}

/// <summary>A partition move in progress: its replicas now (target and leaving), those being added and those being removed.</summary>
public sealed record PartitionReassignment(IReadOnlyList<int> Replicas, IReadOnlyList<int> AddingReplicas, IReadOnlyList<int> RemovingReplicas);

internal sealed partial class AdminClient
{
    public async Task<IReadOnlyList<TopicPartitionError>> ElectLeadersAsync(
        ElectionType electionType, IEnumerable<TopicPartition>? partitions, CancellationToken cancellationToken = default)
    {
        var named = partitions?.ToList();
        var response = await SendToControllerAsync<ElectLeadersResponse>(
            _ => new ElectLeadersRequest
            {
                ElectionType = (sbyte)electionType,
                TopicPartitions = named?.GroupBy(p => p.Topic).Select(g => new ElectLeadersRequest.TopicPartitionsData { Topic = g.Key, Partitions = [.. g.Select(p => p.Partition)] }).ToList(),
                TimeoutMs = (int)_cluster.Options.RequestTimeout.TotalMilliseconds,
            },
            ApiKey.ElectLeaders,
            r => r.ReplicaElectionResults.SelectMany(t => t.PartitionResult.Select(p => p.ErrorCode)).Prepend(r.ErrorCode),
            cancellationToken).ConfigureAwait(false);
        ThrowIfError(response.ErrorCode, null);
        return [.. response.ReplicaElectionResults.SelectMany(t => t.PartitionResult.Select(p =>
            new TopicPartitionError(new TopicPartition(t.Topic, p.PartitionId), Error.FromWire(p.ErrorCode, p.ErrorMessage))))];
    }

    public async Task<IReadOnlyList<TopicPartitionError>> AlterPartitionReassignmentsAsync(
        IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>?> reassignments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reassignments);
        var response = await SendToControllerAsync<AlterPartitionReassignmentsResponse>(
            _ => new AlterPartitionReassignmentsRequest
            {
                TimeoutMs = (int)_cluster.Options.RequestTimeout.TotalMilliseconds,
                Topics = [.. reassignments.GroupBy(r => r.Key.Topic).Select(g => new AlterPartitionReassignmentsRequest.ReassignableTopic
                {
                    Name = g.Key,
                    Partitions = [.. g.Select(r => new AlterPartitionReassignmentsRequest.ReassignablePartition
                    {
                        PartitionIndex = r.Key.Partition,
                        Replicas = r.Value?.ToList(),
                    })],
                })],
            },
            ApiKey.AlterPartitionReassignments,
            r => r.Responses.SelectMany(t => t.Partitions.Select(p => p.ErrorCode)).Prepend(r.ErrorCode),
            cancellationToken).ConfigureAwait(false);
        ThrowIfError(response.ErrorCode, response.ErrorMessage);
        return [.. response.Responses.SelectMany(t => t.Partitions.Select(p =>
            new TopicPartitionError(new TopicPartition(t.Name, p.PartitionIndex), Error.FromWire(p.ErrorCode, p.ErrorMessage))))];
    }

    public async Task<IReadOnlyDictionary<TopicPartition, PartitionReassignment>> ListPartitionReassignmentsAsync(
        IEnumerable<TopicPartition>? partitions, CancellationToken cancellationToken = default)
    {
        var named = partitions?.ToList();
        var response = await SendToControllerAsync<ListPartitionReassignmentsResponse>(
            _ => new ListPartitionReassignmentsRequest
            {
                TimeoutMs = (int)_cluster.Options.RequestTimeout.TotalMilliseconds,
                Topics = named?.GroupBy(p => p.Topic).Select(g => new ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics
                {
                    Name = g.Key,
                    PartitionIndexes = [.. g.Select(p => p.Partition)],
                }).ToList(),
            },
            ApiKey.ListPartitionReassignments,
            r => [r.ErrorCode],
            cancellationToken).ConfigureAwait(false);
        ThrowIfError(response.ErrorCode, response.ErrorMessage);
        return response.Topics.SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Name, p.PartitionIndex),
                Value: new PartitionReassignment(p.Replicas, p.AddingReplicas, p.RemovingReplicas))))
            .ToDictionary(p => p.Key, p => p.Value);
    }
}
