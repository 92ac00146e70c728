using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Groups;

internal sealed partial class ConsumerCoordinator
{
    /// <summary>
    /// Commits offsets in this member's generation (or as an outsider, generation -1, when it has not
    /// joined, e.g. with manually assigned partitions). Errors meaning the generation is over
    /// (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) also schedule a rejoin.
    /// </summary>
    /// <exception cref="TopicPartitionOffsetException">Some partitions were not committed.</exception>
    public async Task<List<TopicPartitionOffsetError>> CommitAsync(IReadOnlyList<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        if (offsets.Count == 0)
        {
            return [];
        }

        string memberId;
        int generation;
        lock (_lock)
        {
            (memberId, generation) = _stable || IsSubscribed ? (_memberId, _generation) : ("", -1);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var response = await _coordinators.SendAsync<OffsetCommitResponse>(
            _settings.GroupId,
            ApiKey.OffsetCommit,
            _ => new OffsetCommitRequest
            {
                GroupId = _settings.GroupId,
                GenerationIdOrMemberEpoch = generation,
                MemberId = memberId,
                GroupInstanceId = _settings.GroupInstanceId,
                RetentionTimeMs = -1,
                Topics = OffsetCommits.Topics(offsets),
            },
            OffsetCommits.FirstError,
            timeout.Token).ConfigureAwait(false);

        var results = offsets.Select(o =>
        {
            var code = response.Topics.FirstOrDefault(t => t.Name == o.Topic)?.Partitions.FirstOrDefault(p => p.PartitionIndex == o.Partition)?.ErrorCode
                ?? (short)ErrorCode.UnknownServerError;
            return new TopicPartitionOffsetError(o.TopicPartition, o.Offset, Error.FromWire(code));
        }).ToList();
        var first = results.FirstOrDefault(r => r.Error.IsError)?.Error;
        if (first is null)
        {
            return results;
        }

        switch (first.Code)
        {
            case ErrorCode.UnknownMemberId:
                ResetGeneration(forgetMemberId: true);
                _lostPending = IsSubscribed;
                RequestRejoin();
                break;
            case ErrorCode.IllegalGeneration:
                ResetGeneration(forgetMemberId: false);
                _lostPending = IsSubscribed;
                RequestRejoin();
                break;
            case ErrorCode.RebalanceInProgress:
                RequestRejoin();
                break;
        }

        throw new TopicPartitionOffsetException(results, $"Committing offsets for group '{_settings.GroupId}'");
    }

    /// <summary>The group's committed offsets of <paramref name="partitions"/> (<see cref="Offset.Unset"/> where none), with their leader epochs.</summary>
    /// <exception cref="KafkaException">The coordinator answered with a group error.</exception>
    public async Task<List<TopicPartitionOffsetError>> FetchCommittedAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        if (partitions.Count == 0)
        {
            return [];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var response = await _coordinators.SendAsync<OffsetFetchResponse>(
            _settings.GroupId,
            ApiKey.OffsetFetch,
            _ => new OffsetFetchRequest
            {
                GroupId = _settings.GroupId,
                RequireStable = true,
                Topics = [.. partitions.GroupBy(p => p.Topic).Select(t => new OffsetFetchRequest.OffsetFetchRequestTopic
                {
                    Name = t.Key,
                    PartitionIndexes = [.. t.Select(p => p.Partition)],
                })],
            },
            r => r.ErrorCode,
            timeout.Token,
            maxVersion: 7).ConfigureAwait(false);
        if (response.ErrorCode != 0)
        {
            throw new KafkaException(Error.FromWire(response.ErrorCode, $"Fetching committed offsets of group '{_settings.GroupId}' failed: {((ErrorCode)response.ErrorCode).ToKafkaName()}"));
        }

        return [.. partitions.Select(tp =>
        {
            var answer = response.Topics.FirstOrDefault(t => t.Name == tp.Topic)?.Partitions.FirstOrDefault(p => p.PartitionIndex == tp.Partition);
            return answer is null
                ? new TopicPartitionOffsetError(tp, Offset.Unset, Error.NoError)
                : new TopicPartitionOffsetError(tp, answer.CommittedOffset >= 0 ? answer.CommittedOffset : Offset.Unset, Error.FromWire(answer.ErrorCode)) { Metadata = answer.Metadata, LeaderEpoch = answer.CommittedLeaderEpoch >= 0 ? answer.CommittedLeaderEpoch : null };
        })];
    }
}
