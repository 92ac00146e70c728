using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// TxnOffsetCommit: writes the offsets as a transactional batch of the producer and keeps them
    /// pending until the transaction coordinator ends the transaction (<see cref="CompleteTransaction"/>).
    /// KIP-447: a member id, generation or instance id, when given, must match the group's.
    /// </summary>
    public ErrorCode TxnCommitOffsets(string groupId, long producerId, short producerEpoch, string memberId, string? groupInstanceId, int generationId, IReadOnlyList<(TopicPartition Partition, CommittedOffset Offset)> offsets)
    {
        var error = Validate(groupId, offsetApi: true);
        if (error != ErrorCode.None)
        {
            return error;
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            if (generationId >= 0 || memberId.Length > 0)
            {
                return generationId >= 0 ? ErrorCode.IllegalGeneration : ErrorCode.UnknownMemberId;
            }

            group = GetOrCreateGroup(groupId);
        }

        lock (group.Gate)
        {
            if (group.Is(GroupState.Dead))
            {
                return ErrorCode.CoordinatorNotAvailable;
            }

            if (group.IsStaticMemberFenced(groupInstanceId, memberId))
            {
                return ErrorCode.FencedInstanceId;
            }

            if (memberId.Length > 0 && !group.Has(memberId))
            {
                return ErrorCode.UnknownMemberId;
            }

            if (generationId >= 0 && generationId != group.GenerationId)
            {
                return ErrorCode.IllegalGeneration;
            }

            var records = offsets.Select(o => (new OffsetCommitKey(groupId, o.Partition.Topic, o.Partition.Partition).Serialize(), (byte[]?)ToValue(o.Offset).Serialize())).ToList();
            error = _store.Append(group.Partition, records, producerId, producerEpoch);
            if (error == ErrorCode.None)
            {
                var pending = group.PendingTxnOffsets.TryGetValue(producerId, out var map) ? map : group.PendingTxnOffsets[producerId] = [];
                foreach (var (partition, offset) in offsets)
                {
                    pending[partition] = offset;
                }
            }

            return error;
        }
    }

    /// <summary>
    /// Ends the producer's transaction on one <c>__consumer_offsets</c> partition: writes the marker, then
    /// on COMMIT makes its pending offsets the committed ones (on ABORT they are dropped).
    /// </summary>
    /// <exception cref="Storage.LogException">The marker could not be written (the coordinator retries).</exception>
    public ErrorCode CompleteTransaction(int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        if (!_store.AppendMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit))
        {
            return ErrorCode.UnknownTopicOrPartition;
        }

        foreach (var group in _groups.Values)
        {
            if (group.Partition != partition)
            {
                continue;
            }

            lock (group.Gate)
            {
                if (group.PendingTxnOffsets.Remove(producerId, out var offsets) && commit)
                {
                    foreach (var (tp, offset) in offsets)
                    {
                        group.Offsets[tp] = offset;
                    }
                }
            }
        }

        return ErrorCode.None;
    }

    /// <summary>The partitions of the group with an offset commit in an open transaction (OffsetFetch require_stable).</summary>
    public IReadOnlySet<TopicPartition> UnstablePartitions(string groupId)
    {
        var group = GetGroup(groupId);
        if (group is null)
        {
            return new HashSet<TopicPartition>();
        }

        lock (group.Gate)
        {
            return group.PendingTxnOffsets.Values.SelectMany(m => m.Keys).ToHashSet();
        }
    }
}
