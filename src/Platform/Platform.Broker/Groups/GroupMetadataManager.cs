using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>What one group's records in a <c>__consumer_offsets</c> partition add up to.</summary>
internal sealed record LoadedGroup(
    string GroupId,
    GroupMetadataValue? Metadata,
    IReadOnlyDictionary<TopicPartition, CommittedOffset> Offsets,
    IReadOnlyDictionary<long, Dictionary<TopicPartition, CommittedOffset>> PendingTransactionalOffsets);

/// <summary>
/// Kafka's GroupMetadataManager: turns group changes into <c>__consumer_offsets</c> records (group
/// metadata, offset commits, tombstones, transaction markers) written through the partition's
/// <see cref="CoordinatorWriteQueue"/>, and a partition's records back into groups when it is loaded.
/// </summary>
internal sealed class GroupMetadataManager(CoordinatorTopic topic)
{
    /// <summary>Writes the group's generation, protocol, leader and members with their assignments.</summary>
    public void StoreGroup(ConsumerGroup group, Action<ErrorCode> complete)
    {
        var members = group.ProtocolName is null
            ? []
            : group.Members.All.Select(m => new GroupMetadataValue.MemberMetadata(
                m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, m.RebalanceTimeoutMs, m.SessionTimeoutMs, m.MetadataFor(group.ProtocolName), m.Assignment)).ToList();
        var value = new GroupMetadataValue(group.Members.ProtocolType ?? "", group.GenerationId, group.ProtocolName, group.Members.LeaderId, group.StateTimestampMs, members);
        topic.Write(group.Partition, [(new GroupMetadataKey(group.GroupId).Serialize(), value.Serialize())], complete);
    }

    /// <summary>Writes committed offsets as one batch; transactional (ended by the producer's marker) when a producer is given.</summary>
    public void StoreOffsets(ConsumerGroup group, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets, Action<ErrorCode> complete, long producerId = -1, short producerEpoch = -1)
    {
        var records = offsets.Select(o => (
            new OffsetCommitKey(group.GroupId, o.Partition.Topic, o.Partition.Partition).Serialize(),
            (byte[]?)new OffsetCommitValue(o.Offset.Offset, o.Offset.LeaderEpoch, o.Offset.Metadata, o.Offset.CommitTimestampMs, o.Offset.ExpireTimestampMs).Serialize())).ToList();
        topic.Write(group.Partition, records, complete, producerId, producerEpoch);
    }

    /// <summary>Writes tombstones for the offsets and, with <paramref name="deleteGroup"/>, for the group's metadata.</summary>
    public void DeleteOffsets(ConsumerGroup group, IEnumerable<TopicPartition> partitions, bool deleteGroup, Action<ErrorCode> complete)
    {
        var records = partitions.Select(p => (new OffsetCommitKey(group.GroupId, p.Topic, p.Partition).Serialize(), (byte[]?)null)).ToList();
        if (deleteGroup)
        {
            records.Add((new GroupMetadataKey(group.GroupId).Serialize(), null));
        }

        topic.Write(group.Partition, records, complete);
    }

    /// <summary>Writes the producer's COMMIT/ABORT marker to the partition.</summary>
    public void WriteMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit, Action<ErrorCode> complete)
        => topic.WriteMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit, complete);

    /// <summary>
    /// Reads the groups of one partition from its records: the last record of each key wins, a tombstone
    /// removes it, a transactional offset commit counts once its producer's COMMIT marker follows (and
    /// is still pending when none does). <paramref name="skipped"/> counts malformed records.
    /// </summary>
    public List<LoadedGroup> Load(int partition, out int skipped)
    {
        var offsets = new Dictionary<string, Dictionary<TopicPartition, CommittedOffset>>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, GroupMetadataValue>(StringComparer.Ordinal);
        var pending = new Dictionary<long, List<(string Group, TopicPartition Partition, CommittedOffset Offset)>>();
        var malformed = 0;
        topic.Replay(partition, (keyBytes, valueBytes, producerId) =>
        {
            try
            {
                switch (CoordinatorRecords.ReadKey(keyBytes))
                {
                    case OffsetCommitKey key when producerId >= 0 && valueBytes is { } txnBytes:
                        var list = pending.TryGetValue(producerId, out var staged) ? staged : pending[producerId] = [];
                        list.Add((key.Group, new TopicPartition(key.Topic, key.Partition), ToOffset(OffsetCommitValue.Deserialize(txnBytes))));
                        break;
                    case OffsetCommitKey key:
                        var groupOffsets = offsets.TryGetValue(key.Group, out var existing) ? existing : offsets[key.Group] = [];
                        var partitionKey = new TopicPartition(key.Topic, key.Partition);
                        if (valueBytes is { } bytes)
                        {
                            groupOffsets[partitionKey] = ToOffset(OffsetCommitValue.Deserialize(bytes));
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
                malformed++;
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

        skipped = malformed;
        var pendingGroups = pending.Values.SelectMany(l => l.Select(p => p.Group));
        var groups = new List<LoadedGroup>();
        foreach (var groupId in metadata.Keys.Union(offsets.Where(o => o.Value.Count > 0).Select(o => o.Key)).Union(pendingGroups))
        {
            // Open transactions' commits wait for the marker the transaction coordinator writes on completion.
            var groupPending = new Dictionary<long, Dictionary<TopicPartition, CommittedOffset>>();
            foreach (var (producerId, staged) in pending)
            {
                foreach (var (_, tp, offset) in staged.Where(s => s.Group == groupId))
                {
                    (groupPending.TryGetValue(producerId, out var map) ? map : groupPending[producerId] = [])[tp] = offset;
                }
            }

            groups.Add(new LoadedGroup(groupId, metadata.GetValueOrDefault(groupId), offsets.GetValueOrDefault(groupId) ?? [], groupPending));
        }

        return groups;
    }

    private static CommittedOffset ToOffset(OffsetCommitValue value)
        => new(value.Offset, value.LeaderEpoch, value.Metadata, value.CommitTimestamp, value.ExpireTimestamp);
}
