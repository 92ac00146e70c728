using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// OffsetCommit of partitions the handler already checked (known, metadata not too long). Members
    /// of a managed group must name their generation; a negative generation commits for a group that
    /// only stores offsets. Returns one error for all partitions: they are written as one batch.
    /// </summary>
    public ErrorCode CommitOffsets(string groupId, string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        var error = Validate(groupId, offsetApi: true);
        if (error != ErrorCode.None)
        {
            return error;
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            if (generationId >= 0)
            {
                // The client believes it is in a managed group this coordinator does not know.
                return ErrorCode.IllegalGeneration;
            }

            group = GetOrCreateGroup(groupId);
        }

        lock (group.Gate)
        {
            error = ValidateCommit(group, memberId, groupInstanceId, generationId);
            if (error != ErrorCode.None)
            {
                return error;
            }

            error = _store.Append(group.Partition, offsets.Select(o => (new OffsetCommitKey(groupId, o.Partition.Topic, o.Partition.Partition).Serialize(), (byte[]?)ToValue(o.Offset).Serialize())).ToList());
            if (error == ErrorCode.None)
            {
                foreach (var (partition, offset) in offsets)
                {
                    group.Offsets[partition] = offset;
                }
            }

            return error;
        }
    }

    private ErrorCode ValidateCommit(ConsumerGroup group, string memberId, string? groupInstanceId, int generationId)
    {
        if (group.Is(GroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (group.IsStaticMemberFenced(groupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (generationId < 0 && group.Is(GroupState.Empty))
        {
            return ErrorCode.None;
        }

        if (group.Is(GroupState.CompletingRebalance))
        {
            // The member has the new generation but not its assignment yet.
            return ErrorCode.RebalanceInProgress;
        }

        if (!group.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        ScheduleSessionExpiry(group, group.Get(memberId));
        return ErrorCode.None;
    }

    private static OffsetCommitValue ToValue(CommittedOffset offset)
        => new(offset.Offset, offset.LeaderEpoch, offset.Metadata, offset.CommitTimestampMs, offset.ExpireTimestampMs);

    /// <summary>
    /// OffsetFetch: the committed offsets of <paramref name="partitions"/> (-1 for none), or of every
    /// partition the group committed when null. <paramref name="requireStable"/> (v7+) asks for
    /// UNSTABLE_OFFSET_COMMIT where a transactional commit is pending: the handler marks those
    /// partitions from <see cref="UnstablePartitions"/>.
    /// </summary>
    public (ErrorCode Error, IReadOnlyList<(TopicPartition Partition, CommittedOffset? Offset)> Offsets) FetchOffsets(string groupId, IReadOnlyList<TopicPartition>? partitions, bool requireStable)
    {
        _ = requireStable;
        var error = Validate(groupId, offsetApi: true);
        if (error != ErrorCode.None)
        {
            return (error, partitions?.Select(p => (p, (CommittedOffset?)null)).ToList() ?? []);
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return (ErrorCode.None, partitions?.Select(p => (p, (CommittedOffset?)null)).ToList() ?? []);
        }

        lock (group.Gate)
        {
            var dead = group.Is(GroupState.Dead);
            if (partitions is null)
            {
                return (ErrorCode.None, dead ? [] : group.Offsets.OrderBy(o => o.Key.Topic, StringComparer.Ordinal).ThenBy(o => o.Key.Partition).Select(o => (o.Key, (CommittedOffset?)o.Value)).ToList());
            }

            return (ErrorCode.None, partitions.Select(p => (p, dead ? null : group.Offsets.GetValueOrDefault(p))).ToList());
        }
    }

    /// <summary>
    /// OffsetDelete: removes committed offsets of an empty group, or of topics no member of an active
    /// consumer group subscribes to (those get GROUP_SUBSCRIBED_TO_TOPIC). Returns the group error and
    /// the error of each partition.
    /// </summary>
    public (ErrorCode Error, IReadOnlyList<(TopicPartition Partition, ErrorCode Error)> Partitions) DeleteOffsets(string groupId, IReadOnlyList<TopicPartition> partitions)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return (error, []);
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return (ErrorCode.GroupIdNotFound, []);
        }

        lock (group.Gate)
        {
            HashSet<string> subscribed;
            switch (group.State)
            {
                case GroupState.Dead:
                    return (ErrorCode.GroupIdNotFound, []);
                case GroupState.Empty:
                    subscribed = [];
                    break;
                default:
                    if (group.ProtocolType != ConsumerGroup.ConsumerProtocolType)
                    {
                        return (ErrorCode.NonEmptyGroup, []);
                    }

                    subscribed = group.SubscribedTopics() ?? [];
                    break;
            }

            var results = partitions.Select(p => (p, subscribed.Contains(p.Topic) ? ErrorCode.GroupSubscribedToTopic : ErrorCode.None)).ToList();
            var removed = results.Where(r => r.Item2 == ErrorCode.None && group.Offsets.ContainsKey(r.p)).Select(r => r.p).Distinct().ToList();
            error = _store.Append(group.Partition, removed.Select(p => (new OffsetCommitKey(groupId, p.Topic, p.Partition).Serialize(), (byte[]?)null)).ToList());
            if (error != ErrorCode.None)
            {
                return (error, []);
            }

            foreach (var partition in removed)
            {
                group.Offsets.Remove(partition);
            }

            return (ErrorCode.None, results);
        }
    }

    /// <summary>
    /// Offset retention (offsets.retention.minutes): an empty group's offsets expire that long after it
    /// became empty; a stable consumer group's offsets of topics it no longer subscribes to expire that
    /// long after their commit; a group that only stores offsets expires each offset that long after its
    /// commit. Expired offsets get tombstones; an empty group left without offsets is deleted.
    /// </summary>
    internal void RemoveExpiredOffsetsAndGroups(long? nowMs = null)
    {
        var now = nowMs ?? NowMs;
        var removedOffsets = 0;
        var removedGroups = 0;
        foreach (var group in _groups.Values.ToList())
        {
            lock (group.Gate)
            {
                if (group.Is(GroupState.Dead))
                {
                    continue;
                }

                var expired = ExpiredOffsets(group, now);
                var records = expired.Select(p => (new OffsetCommitKey(group.GroupId, p.Topic, p.Partition).Serialize(), (byte[]?)null)).ToList();
                var deleteGroup = group.Is(GroupState.Empty) && group.Offsets.Count == expired.Count;
                if (deleteGroup && group.GenerationId > 0)
                {
                    // A group with generation 0 only ever stored offsets and has no metadata record.
                    records.Add((new GroupMetadataKey(group.GroupId).Serialize(), null));
                }

                if (_store.Append(group.Partition, records) != ErrorCode.None)
                {
                    continue;
                }

                foreach (var partition in expired)
                {
                    group.Offsets.Remove(partition);
                }

                removedOffsets += expired.Count;
                if (deleteGroup)
                {
                    group.TransitionTo(GroupState.Dead, now);
                    RemoveGroup(group);
                    removedGroups++;
                }
            }
        }

        if (removedOffsets > 0 || removedGroups > 0)
        {
            LogExpired(removedOffsets, removedGroups);
        }
    }

    private List<TopicPartition> ExpiredOffsets(ConsumerGroup group, long now)
    {
        var retention = OffsetsRetentionMs;
        bool Expired(CommittedOffset offset, long baseTimestamp)
            => offset.ExpireTimestampMs is { } expire ? now >= expire : now - baseTimestamp >= retention;

        if (group.ProtocolType is null)
        {
            return group.Offsets.Where(o => Expired(o.Value, o.Value.CommitTimestampMs)).Select(o => o.Key).ToList();
        }

        if (group.Is(GroupState.Empty))
        {
            return group.Offsets.Where(o => Expired(o.Value, group.StateTimestampMs)).Select(o => o.Key).ToList();
        }

        if (group.Is(GroupState.Stable) && group.SubscribedTopics() is { } subscribed)
        {
            return group.Offsets.Where(o => !subscribed.Contains(o.Key.Topic) && Expired(o.Value, o.Value.CommitTimestampMs)).Select(o => o.Key).ToList();
        }

        return [];
    }
}
