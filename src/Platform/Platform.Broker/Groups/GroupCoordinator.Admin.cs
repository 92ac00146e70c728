using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>DescribeGroups for one group; an unknown group is reported Dead, as Kafka does before v6.</summary>
    public GroupDescription DescribeGroup(string groupId)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return new GroupDescription(error, groupId, "", "", "", []);
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return new GroupDescription(ErrorCode.None, groupId, nameof(GroupState.Dead), "", "", []);
        }

        lock (group.Gate)
        {
            var stable = group.Is(GroupState.Stable);
            var members = group.Members.Values
                .Select(m => new MemberDescription(
                    m.MemberId,
                    m.GroupInstanceId,
                    m.ClientId,
                    m.ClientHost,
                    stable ? m.MetadataFor(group.ProtocolName!) : [],
                    stable ? m.Assignment : []))
                .ToList();
            return new GroupDescription(ErrorCode.None, groupId, group.State.ToString(), group.ProtocolType ?? "", stable ? group.ProtocolName ?? "" : "", members);
        }
    }

    /// <summary>ListGroups: every live group, optionally only those in the given states (names compared case-insensitively).</summary>
    public (ErrorCode Error, IReadOnlyList<GroupListing> Groups) ListGroups(IReadOnlyCollection<string> statesFilter)
    {
        if (!_active)
        {
            return (ErrorCode.CoordinatorNotAvailable, []);
        }

        var listings = new List<GroupListing>();
        foreach (var group in _groups.Values)
        {
            lock (group.Gate)
            {
                var state = group.State.ToString();
                if (!group.Is(GroupState.Dead) && (statesFilter.Count == 0 || statesFilter.Contains(state, StringComparer.OrdinalIgnoreCase)))
                {
                    listings.Add(new GroupListing(group.GroupId, group.ProtocolType ?? "", state));
                }
            }
        }

        return (ErrorCode.None, listings.OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList());
    }

    /// <summary>DeleteGroups for one group: only an empty group may go; its offsets and metadata get tombstones.</summary>
    public ErrorCode DeleteGroup(string groupId)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return error;
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return ErrorCode.GroupIdNotFound;
        }

        lock (group.Gate)
        {
            switch (group.State)
            {
                case GroupState.Dead:
                    return ErrorCode.GroupIdNotFound;
                case GroupState.Empty:
                    var records = group.Offsets.Keys
                        .Select(p => (new OffsetCommitKey(groupId, p.Topic, p.Partition).Serialize(), (byte[]?)null))
                        .Append((new GroupMetadataKey(groupId).Serialize(), null))
                        .ToList();
                    error = _store.Append(group.Partition, records);
                    if (error != ErrorCode.None)
                    {
                        return error;
                    }

                    foreach (var timer in group.PendingMembers.Values)
                    {
                        timer.Dispose();
                    }

                    group.PendingMembers.Clear();
                    group.Offsets.Clear();
                    CancelJoinTimer(group);
                    group.TransitionTo(GroupState.Dead, NowMs);
                    RemoveGroup(group);
                    LogGroupDeleted(groupId);
                    return ErrorCode.None;
                default:
                    return ErrorCode.NonEmptyGroup;
            }
        }
    }
}
