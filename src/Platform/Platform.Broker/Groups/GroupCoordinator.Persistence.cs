using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>Writes the group's generation, protocol, leader and members with their assignments.</summary>
    private ErrorCode StoreGroup(ConsumerGroup group)
    {
        var members = group.ProtocolName is null
            ? []
            : group.Members.Values.Select(m => new GroupMetadataValue.MemberMetadata(
                m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, m.RebalanceTimeoutMs, m.SessionTimeoutMs, m.MetadataFor(group.ProtocolName), m.Assignment)).ToList();
        var value = new GroupMetadataValue(group.ProtocolType ?? "", group.GenerationId, group.ProtocolName, group.LeaderId, group.StateTimestampMs, members);
        return _store.Append(group.Partition, [(new GroupMetadataKey(group.GroupId).Serialize(), value.Serialize())]);
    }

    /// <summary>
    /// Rebuilds the groups of one partition from its records: the last record of each key wins, a
    /// tombstone removes it. Groups with members come back Stable, and each member must heartbeat
    /// within its session timeout, as after a coordinator move in Kafka.
    /// </summary>
    private void LoadPartitionGroups(int partition)
    {
        var offsets = new Dictionary<string, Dictionary<TopicPartition, CommittedOffset>>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, GroupMetadataValue>(StringComparer.Ordinal);
        var pending = new Dictionary<long, List<(string Group, TopicPartition Partition, CommittedOffset Offset)>>();
        var skipped = 0;
        _store.Replay(partition, (keyBytes, valueBytes, producerId) =>
        {
            try
            {
                switch (CoordinatorRecords.ReadKey(keyBytes))
                {
                    case OffsetCommitKey key when producerId >= 0 && valueBytes is { } txnBytes:
                        // A transactional commit counts only once its producer's COMMIT marker follows.
                        var txnValue = OffsetCommitValue.Deserialize(txnBytes);
                        var list = pending.TryGetValue(producerId, out var staged) ? staged : pending[producerId] = [];
                        list.Add((key.Group, new TopicPartition(key.Topic, key.Partition), new CommittedOffset(txnValue.Offset, txnValue.LeaderEpoch, txnValue.Metadata, txnValue.CommitTimestamp, txnValue.ExpireTimestamp)));
                        break;
                    case OffsetCommitKey key:
                        var groupOffsets = offsets.TryGetValue(key.Group, out var existing) ? existing : offsets[key.Group] = [];
                        var partitionKey = new TopicPartition(key.Topic, key.Partition);
                        if (valueBytes is { } bytes)
                        {
                            var value = OffsetCommitValue.Deserialize(bytes);
                            groupOffsets[partitionKey] = new CommittedOffset(value.Offset, value.LeaderEpoch, value.Metadata, value.CommitTimestamp, value.ExpireTimestamp);
                        }
                        else
                        {
                            groupOffsets.Remove(partitionKey);
                        }

                        break;
                    case GroupMetadataKey key when valueBytes is { } groupBytes:
                        metadata[key.Group] = GroupMetadataValue.Deserialize(groupBytes);
                        break;
                    case GroupMetadataKey key:
                        metadata.Remove(key.Group);
                        break;
                }
            }
            catch (ProtocolException)
            {
                skipped++;
            }
        }, (producerId, commit) =>
        {
            if (pending.Remove(producerId, out var staged) && commit)
            {
                foreach (var (groupId, tp, offset) in staged)
                {
                    (offsets.TryGetValue(groupId, out var existing) ? existing : offsets[groupId] = [])[tp] = offset;
                }
            }
        });

        if (skipped > 0)
        {
            LogSkippedRecords(partition, skipped);
        }

        var now = NowMs;
        var pendingGroups = pending.Values.SelectMany(l => l.Select(p => p.Group));
        foreach (var groupId in metadata.Keys.Union(offsets.Where(o => o.Value.Count > 0).Select(o => o.Key)).Union(pendingGroups))
        {
            var group = new ConsumerGroup(groupId, partition, now);
            if (metadata.TryGetValue(groupId, out var value))
            {
                Restore(group, value, now);
            }

            foreach (var (key, offset) in offsets.GetValueOrDefault(groupId) ?? [])
            {
                group.Offsets[key] = offset;
            }

            // Open transactions' commits wait for the marker the transaction coordinator writes on completion.
            foreach (var (producerId, staged) in pending)
            {
                foreach (var (_, tp, offset) in staged.Where(s => s.Group == groupId))
                {
                    (group.PendingTxnOffsets.TryGetValue(producerId, out var map) ? map : group.PendingTxnOffsets[producerId] = [])[tp] = offset;
                }
            }

            _groups[groupId] = group;
        }
    }

    private void Restore(ConsumerGroup group, GroupMetadataValue value, long now)
    {
        group.GenerationId = value.Generation;
        group.ProtocolType = value.ProtocolType.Length > 0 ? value.ProtocolType : null;
        group.ProtocolName = value.Protocol;
        foreach (var stored in value.Members)
        {
            var protocols = value.Protocol is null ? [] : new[] { new GroupProtocol(value.Protocol, stored.Subscription) };
            var member = new GroupMember(stored.MemberId, stored.GroupInstanceId, stored.ClientId, stored.ClientHost, stored.RebalanceTimeout, stored.SessionTimeout, value.ProtocolType, protocols)
            {
                Assignment = stored.Assignment,
            };
            group.Add(member);
        }

        group.LeaderId = value.Leader is not null && group.Has(value.Leader) ? value.Leader : group.LeaderId;
        var stateTimestamp = value.CurrentStateTimestamp >= 0 ? value.CurrentStateTimestamp : now;
        group.TransitionTo(group.Members.Count > 0 ? GroupState.Stable : GroupState.Empty, stateTimestamp);
        foreach (var member in group.Members.Values)
        {
            ScheduleSessionExpiry(group, member);
        }
    }
}
