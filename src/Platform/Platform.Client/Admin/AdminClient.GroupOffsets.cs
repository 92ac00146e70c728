using Platform.Client.Groups;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    public async Task<List<ListConsumerGroupOffsetsResult>> ListConsumerGroupOffsetsAsync(
        IEnumerable<ConsumerGroupTopicPartitions> groupPartitions,
        ListConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupPartitions);
        var reports = new List<ListConsumerGroupOffsetsReport>();
        foreach (var request in groupPartitions)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(groupPartitions));
            reports.Add(await FetchGroupOffsetsAsync(request, options?.RequireStableOffsets ?? false, cancellationToken).ConfigureAwait(false));
        }

        if (reports.Any(r => r.Error.IsError || r.Partitions.Any(p => p.Error.IsError)))
        {
            throw new ListConsumerGroupOffsetsException(reports);
        }

        return [.. reports.Select(r => new ListConsumerGroupOffsetsResult(r.Group, r.Partitions))];
    }

    private async Task<ListConsumerGroupOffsetsReport> FetchGroupOffsetsAsync(ConsumerGroupTopicPartitions request, bool requireStable, CancellationToken cancellationToken)
    {
        var groupId = request.Group;
        var topics = request.TopicPartitions?
            .GroupBy(p => p.Topic)
            .Select(t => new OffsetFetchRequest.OffsetFetchRequestTopic { Name = t.Key, PartitionIndexes = [.. t.Select(p => p.Partition)] })
            .ToList();
        OffsetFetchResponse response;
        try
        {
            // v8+ batches groups; one group per request keeps coordinator routing simple, so stay at v7.
            response = await _coordinators.SendAsync<OffsetFetchResponse>(
                groupId,
                ApiKey.OffsetFetch,
                _ => new OffsetFetchRequest { GroupId = groupId, Topics = topics, RequireStable = requireStable },
                r => r.ErrorCode,
                cancellationToken,
                maxVersion: 7).ConfigureAwait(false);
        }
        catch (KafkaException ex) when (ex.Error.Code != ErrorCode.NetworkException)
        {
            return new ListConsumerGroupOffsetsReport(groupId, ex.Error, []);
        }

        var partitions = response.Topics
            .SelectMany(t => t.Partitions.Select(p => new TopicPartitionOffsetError(
                new TopicPartition(t.Name, p.PartitionIndex),
                p.CommittedOffset >= 0 ? p.CommittedOffset : Offset.Unset,
                Error.FromWire(p.ErrorCode))
            { Metadata = p.Metadata }))
            .OrderBy(p => p.Topic, StringComparer.Ordinal)
            .ThenBy(p => p.Partition)
            .ToList();
        return new ListConsumerGroupOffsetsReport(groupId, GroupError(response.ErrorCode, groupId), partitions);
    }

    public async Task<List<AlterConsumerGroupOffsetsResult>> AlterConsumerGroupOffsetsAsync(
        IEnumerable<ConsumerGroupTopicPartitionOffsets> groupPartitions,
        AlterConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupPartitions);
        var reports = new List<AlterConsumerGroupOffsetsReport>();
        foreach (var request in groupPartitions)
        {
            ArgumentNullException.ThrowIfNull(request, nameof(groupPartitions));
            if (request.Offsets.FirstOrDefault(o => o.Offset.Value < 0) is { } special)
            {
                throw new ArgumentException($"Offset {special} is not an offset; resolve special offsets before committing.", nameof(groupPartitions));
            }

            reports.Add(await CommitForGroupAsync(request, cancellationToken).ConfigureAwait(false));
        }

        if (reports.Any(r => r.Error.IsError))
        {
            throw new AlterConsumerGroupOffsetsException(reports);
        }

        return [.. reports.Select(r => new AlterConsumerGroupOffsetsResult(r.Group, r.Partitions))];
    }

    private async Task<AlterConsumerGroupOffsetsReport> CommitForGroupAsync(ConsumerGroupTopicPartitionOffsets request, CancellationToken cancellationToken)
    {
        var groupId = request.Group;
        OffsetCommitResponse response;
        try
        {
            // Generation -1 and no member id: a commit from outside the group, allowed only while it is empty.
            response = await _coordinators.SendAsync<OffsetCommitResponse>(
                groupId,
                ApiKey.OffsetCommit,
                _ => new OffsetCommitRequest
                {
                    GroupId = groupId,
                    GenerationIdOrMemberEpoch = -1,
                    MemberId = "",
                    RetentionTimeMs = -1,
                    Topics = OffsetCommits.Topics(request.Offsets),
                },
                OffsetCommits.FirstError,
                cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex) when (ex.Error.Code != ErrorCode.NetworkException)
        {
            return new AlterConsumerGroupOffsetsReport(groupId, ex.Error, [.. request.Offsets.Select(o => new TopicPartitionOffsetError(o.TopicPartition, o.Offset, ex.Error))]);
        }

        var partitions = request.Offsets
            .Select(o =>
            {
                var code = response.Topics.FirstOrDefault(t => t.Name == o.Topic)?.Partitions.FirstOrDefault(p => p.PartitionIndex == o.Partition)?.ErrorCode
                    ?? (short)ErrorCode.UnknownServerError;
                return new TopicPartitionOffsetError(o.TopicPartition, o.Offset, CommitError(code, groupId));
            })
            .ToList();
        return new AlterConsumerGroupOffsetsReport(groupId, partitions.Select(p => p.Error).FirstOrDefault(e => e.IsError) ?? Error.NoError, partitions);
    }

    private static Error CommitError(short code, string groupId) => (ErrorCode)code switch
    {
        ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress => new Error(
            (ErrorCode)code,
            $"Group '{groupId}' has active members; stop them before committing offsets for it ({((ErrorCode)code).ToKafkaName()})."),
        _ => GroupError(code, groupId),
    };

    public async Task<DeleteConsumerGroupOffsetsResult> DeleteConsumerGroupOffsetsAsync(
        string group,
        IEnumerable<TopicPartition> partitions,
        DeleteConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentNullException.ThrowIfNull(partitions);
        var list = partitions.Distinct().ToList();
        OffsetDeleteResponse response;
        try
        {
            response = await _coordinators.SendAsync<OffsetDeleteResponse>(
                group,
                ApiKey.OffsetDelete,
                _ => new OffsetDeleteRequest
                {
                    GroupId = group,
                    Topics = [.. list.GroupBy(p => p.Topic).Select(t => new OffsetDeleteRequest.OffsetDeleteRequestTopic
                    {
                        Name = t.Key,
                        Partitions = [.. t.Select(p => new OffsetDeleteRequest.OffsetDeleteRequestPartition { PartitionIndex = p.Partition })],
                    })],
                },
                r => r.ErrorCode,
                cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex) when (ex.Error.Code != ErrorCode.NetworkException)
        {
            throw new DeleteConsumerGroupOffsetsException(new DeleteConsumerGroupOffsetsReport(group, ex.Error, [.. list.Select(p => new TopicPartitionError(p, ex.Error))]));
        }

        var groupError = GroupError(response.ErrorCode, group);
        var results = list
            .Select(p => new TopicPartitionError(
                p,
                groupError.IsError
                    ? groupError
                    : Error.FromWire(response.Topics.FirstOrDefault(t => t.Name == p.Topic)?.Partitions.FirstOrDefault(x => x.PartitionIndex == p.Partition)?.ErrorCode ?? 0)))
            .ToList();
        var first = groupError.IsError ? groupError : results.Select(r => r.Error).FirstOrDefault(e => e.IsError);
        if (first is not null)
        {
            throw new DeleteConsumerGroupOffsetsException(new DeleteConsumerGroupOffsetsReport(group, first, results));
        }

        return new DeleteConsumerGroupOffsetsResult(group, list);
    }
}
