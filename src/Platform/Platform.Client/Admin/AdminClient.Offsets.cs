using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    public async Task<ListOffsetsResult> ListOffsetsAsync(
        IEnumerable<TopicPartitionOffsetSpec> topicPartitionOffsets,
        ListOffsetsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicPartitionOffsets);
        var specs = topicPartitionOffsets.ToList();
        var results = new ListOffsetsResultInfo?[specs.Count];
        var metadata = await GetMetadataAsync(specs.Select(s => s.TopicPartition.Topic).Distinct(), cancellationToken).ConfigureAwait(false);
        var partitions = metadata.Topics
            .SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Topic, p.PartitionId), Partition: p)))
            .ToDictionary(x => x.Key, x => x.Partition);

        // A request may name a partition once, so asking for several offsets of one partition
        // (earliest and latest, say) takes several rounds.
        var rounds = new List<List<int>>();
        for (var i = 0; i < specs.Count; i++)
        {
            var tp = specs[i].TopicPartition;
            if (!partitions.TryGetValue(tp, out var partition))
            {
                results[i] = Failed(tp, new Error(ErrorCode.UnknownTopicOrPartition, $"Partition {tp} does not exist."));
                continue;
            }

            if (partition.Leader < 0)
            {
                results[i] = Failed(tp, new Error(ErrorCode.LeaderNotAvailable, $"Partition {tp} has no leader."));
                continue;
            }

            var round = rounds.FirstOrDefault(r => r.TrueForAll(j => specs[j].TopicPartition != tp));
            if (round is null)
            {
                round = [];
                rounds.Add(round);
            }

            round.Add(i);
        }

        foreach (var round in rounds)
        {
            foreach (var byLeader in round.GroupBy(i => partitions[specs[i].TopicPartition].Leader))
            {
                await ListOffsetsOnLeaderAsync(byLeader.Key, byLeader.ToList(), specs, partitions, results, options, cancellationToken).ConfigureAwait(false);
            }
        }

        var infos = results.Select((r, i) => r ?? Failed(specs[i].TopicPartition, new Error(ErrorCode.UnknownServerError, "The broker did not answer for this partition."))).ToList();
        if (infos.Any(r => r.Error.IsError))
        {
            throw new ListOffsetsException(infos);
        }

        return new ListOffsetsResult(infos);
    }

    private async Task ListOffsetsOnLeaderAsync(
        int leader,
        List<int> indexes,
        List<TopicPartitionOffsetSpec> specs,
        Dictionary<TopicPartition, PartitionMetadata> partitions,
        ListOffsetsResultInfo?[] results,
        ListOffsetsOptions? options,
        CancellationToken cancellationToken)
    {
        var connection = await _cluster.GetNodeAsync(leader, cancellationToken).ConfigureAwait(false);
        var version = connection.ApiVersions.Select(ApiKey.ListOffsets);
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            IsolationLevel = (sbyte)(options?.IsolationLevel ?? IsolationLevel.ReadUncommitted),
            TimeoutMs = OperationTimeoutMs(options),
            Topics = indexes
                .GroupBy(i => specs[i].TopicPartition.Topic)
                .Select(t => new ListOffsetsRequest.ListOffsetsTopic
                {
                    Name = t.Key,
                    Partitions = t.Select(i => new ListOffsetsRequest.ListOffsetsPartition
                    {
                        PartitionIndex = specs[i].TopicPartition.Partition,
                        Timestamp = specs[i].OffsetSpec.Timestamp,
                        CurrentLeaderEpoch = version >= 4 ? partitions[specs[i].TopicPartition].LeaderEpoch : -1,
                    }).ToList(),
                }).ToList(),
        };
        var response = await connection.SendAsync<ListOffsetsResponse>(request, version, cancellationToken).ConfigureAwait(false);
        foreach (var i in indexes)
        {
            var tp = specs[i].TopicPartition;
            var answer = response.Topics.FirstOrDefault(t => t.Name == tp.Topic)?.Partitions.FirstOrDefault(p => p.PartitionIndex == tp.Partition);
            if (answer is null)
            {
                continue;
            }

            // Version 0 answers with a list of offsets instead of one.
            var offset = version == 0 ? answer.OldStyleOffsets.DefaultIfEmpty(-1).First() : answer.Offset;
            results[i] = new ListOffsetsResultInfo(
                tp, offset, answer.Timestamp, answer.LeaderEpoch >= 0 ? answer.LeaderEpoch : null, Error.FromWire(answer.ErrorCode));
        }
    }

    private static ListOffsetsResultInfo Failed(TopicPartition tp, Error error) => new(tp, -1, -1, null, error);
}
