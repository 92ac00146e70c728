using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// JoinGroup. The task completes when the rebalance does (other members joined, or the rebalance
    /// timeout passed), or at once with an error, MEMBER_ID_REQUIRED (the first step of a v4+ join)
    /// or the current generation (a member rejoining a group that needs no rebalance).
    /// </summary>
    public Task<JoinGroupResult> JoinGroupAsync(JoinGroupArgs join)
    {
        var error = Validate(join.GroupId);
        if (error != ErrorCode.None)
        {
            return Task.FromResult(JoinGroupResult.Failed(error, join.MemberId));
        }

        if (join.SessionTimeoutMs < _options.GroupMinSessionTimeoutMs || join.SessionTimeoutMs > _options.GroupMaxSessionTimeoutMs)
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InvalidSessionTimeout, join.MemberId));
        }

        var isUnknownMember = join.MemberId.Length == 0;
        var group = isUnknownMember ? GetOrCreateGroup(join.GroupId) : GetGroup(join.GroupId);
        if (group is null)
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));
        }

        lock (group.Gate)
        {
            if (!AcceptJoiningMember(group, join.MemberId))
            {
                if (!isUnknownMember && group.Has(join.MemberId))
                {
                    RemoveMemberAndUpdateGroup(group, group.Get(join.MemberId), "the group is full");
                }

                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.GroupMaxSizeReached, join.MemberId));
            }

            return isUnknownMember ? NewMemberJoin(group, join) : CurrentMemberJoin(group, join);
        }
    }

    private bool AcceptJoiningMember(ConsumerGroup group, string memberId) => group.State switch
    {
        GroupState.Empty or GroupState.Dead => true,
        GroupState.CompletingRebalance or GroupState.Stable => group.Has(memberId) || group.Members.Count < _options.GroupMaxSize,
        // While rebalancing, only members that rejoined count: the rest are dropped when it completes.
        _ => (group.Has(memberId) && group.Get(memberId).IsAwaitingJoin) || group.NumAwaitingJoin < _options.GroupMaxSize,
    };

    private Task<JoinGroupResult> NewMemberJoin(ConsumerGroup group, JoinGroupArgs join)
    {
        if (group.Is(GroupState.Dead))
        {
            // The group was deleted or unloaded under this request; the client looks it up again.
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable));
        }

        if (!group.SupportsProtocols(join.ProtocolType, join.Protocols))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol));
        }

        var memberId = NewMemberId(join.ClientId, join.GroupInstanceId);
        if (join.GroupInstanceId is not null)
        {
            return StaticMemberJoin(group, join, memberId);
        }

        if (join.RequireKnownMemberId)
        {
            // KIP-394: hand out the id first; the member joins with it, so a lost response cannot leave
            // an orphan member behind. The id expires unless the second join comes within the session.
            var timer = _time.CreateTimer(_ => ExpirePendingMember(group, memberId), null, TimeSpan.FromMilliseconds(join.SessionTimeoutMs), Timeout.InfiniteTimeSpan);
            group.PendingMembers[memberId] = timer;
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.MemberIdRequired, memberId));
        }

        return AddMemberAndRebalance(group, join, memberId);
    }

    private Task<JoinGroupResult> CurrentMemberJoin(ConsumerGroup group, JoinGroupArgs join)
    {
        if (group.Is(GroupState.Dead))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, join.MemberId));
        }

        if (!group.SupportsProtocols(join.ProtocolType, join.Protocols))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, join.MemberId));
        }

        if (group.PendingMembers.Remove(join.MemberId, out var pendingTimer))
        {
            // The second step of a two-step join.
            pendingTimer.Dispose();
            return AddMemberAndRebalance(group, join, join.MemberId);
        }

        if (group.IsStaticMemberFenced(join.GroupInstanceId, join.MemberId))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.FencedInstanceId, join.MemberId));
        }

        if (!group.Has(join.MemberId) || (join.GroupInstanceId is not null && group.StaticMemberId(join.GroupInstanceId) is null))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));
        }

        var member = group.Get(join.MemberId);
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(group, member, join, "a member rejoined");
            case GroupState.CompletingRebalance when member.Matches(join.Protocols):
                // The member lost its JoinGroup response: answer again with the current generation.
                ScheduleSessionExpiry(group, member);
                return Task.FromResult(CurrentGeneration(group, member, includeMembers: group.IsLeader(member.MemberId)));
            case GroupState.CompletingRebalance:
                return UpdateMemberAndRebalance(group, member, join, $"member {member.MemberId} changed its metadata");
            case GroupState.Stable when group.IsLeader(member.MemberId) || !member.Matches(join.Protocols):
                // A leader that rejoins wants a new assignment (e.g. the subscribed topics changed).
                return UpdateMemberAndRebalance(group, member, join, $"member {member.MemberId} rejoined with new metadata or as leader");
            case GroupState.Stable:
                ScheduleSessionExpiry(group, member);
                return Task.FromResult(CurrentGeneration(group, member, includeMembers: false));
            default:
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));
        }
    }

    /// <summary>KIP-345 static membership: a known group.instance.id takes over its old member's place without a rebalance where possible.</summary>
    private Task<JoinGroupResult> StaticMemberJoin(ConsumerGroup group, JoinGroupArgs join, string newMemberId)
    {
        var oldMemberId = group.StaticMemberId(join.GroupInstanceId!);
        if (oldMemberId is null || !group.Has(oldMemberId))
        {
            return AddMemberAndRebalance(group, join, newMemberId);
        }

        var member = group.Get(oldMemberId);
        // The old incarnation is fenced: whatever it still waits for fails.
        member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.FencedInstanceId, oldMemberId));
        member.CompleteSync(SyncGroupResult.Failed(ErrorCode.FencedInstanceId));
        group.ReplaceMemberId(member, newMemberId);
        LogStaticMemberReplaced(group.GroupId, join.GroupInstanceId!, oldMemberId, newMemberId);
        var task = UpdateMember(member, join);
        switch (group.State)
        {
            case GroupState.Stable when SelectedProtocolUnchanged(group):
                var store = StoreGroup(group);
                ScheduleSessionExpiry(group, member);
                var isLeader = group.IsLeader(newMemberId);
                member.CompleteJoin(store != ErrorCode.None
                    ? JoinGroupResult.Failed(store, newMemberId)
                    : CurrentGeneration(group, member, includeMembers: isLeader && join.SupportSkippingAssignment) with { SkipAssignment = isLeader && join.SupportSkippingAssignment });
                break;
            case GroupState.Stable:
                MaybePrepareRebalance(group, $"static member {join.GroupInstanceId} rejoined with a change of protocol");
                break;
            case GroupState.CompletingRebalance:
                // The leader may be assigning partitions to the old member id: start over.
                PrepareRebalance(group, $"static member {join.GroupInstanceId} rejoined during a rebalance");
                break;
            default:
                TryCompleteJoin(group);
                break;
        }

        return task;
    }

    private static bool SelectedProtocolUnchanged(ConsumerGroup group) => group.ProtocolName == group.SelectProtocol();

    private Task<JoinGroupResult> AddMemberAndRebalance(ConsumerGroup group, JoinGroupArgs join, string memberId)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost, join.RebalanceTimeoutMs, join.SessionTimeoutMs, join.ProtocolType, join.Protocols)
        {
            IsNew = true,
        };
        if (group.Is(GroupState.PreparingRebalance) && group.GenerationId == 0)
        {
            group.NewMemberAdded = true;
        }

        var waiter = NewJoinWaiter();
        member.AwaitingJoin = waiter;
        group.Add(member);
        LogMemberJoined(group.GroupId, memberId, join.GroupInstanceId);
        MaybePrepareRebalance(group, $"member {memberId} joined");
        TryCompleteJoin(group);
        return waiter.Task;
    }

    private Task<JoinGroupResult> UpdateMemberAndRebalance(ConsumerGroup group, GroupMember member, JoinGroupArgs join, string reason)
    {
        var task = UpdateMember(member, join);
        MaybePrepareRebalance(group, reason);
        TryCompleteJoin(group);
        return task;
    }

    /// <summary>Takes the member's new protocols and timeouts and parks its JoinGroup until the rebalance completes.</summary>
    private static Task<JoinGroupResult> UpdateMember(GroupMember member, JoinGroupArgs join)
    {
        member.Protocols = join.Protocols;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        member.ClientId = join.ClientId;
        member.ClientHost = join.ClientHost;
        // A JoinGroup still parked for this member (sent on another, probably dead, connection) is
        // superseded; answering it keeps that connection from waiting forever.
        member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.RebalanceInProgress, member.MemberId));
        var waiter = NewJoinWaiter();
        member.AwaitingJoin = waiter;
        return waiter.Task;
    }

    private static TaskCompletionSource<JoinGroupResult> NewJoinWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static JoinGroupResult CurrentGeneration(ConsumerGroup group, GroupMember member, bool includeMembers)
        => new(
            ErrorCode.None,
            member.MemberId,
            group.GenerationId,
            group.ProtocolType,
            group.ProtocolName,
            group.LeaderId ?? "",
            includeMembers ? LeaderView(group) : []);

    private static List<JoinedMember> LeaderView(ConsumerGroup group)
        => group.Members.Values.Select(m => new JoinedMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(group.ProtocolName!))).ToList();

    private void ExpirePendingMember(ConsumerGroup group, string memberId)
    {
        lock (group.Gate)
        {
            if (group.PendingMembers.Remove(memberId, out var timer))
            {
                timer.Dispose();
                LogPendingMemberExpired(group.GroupId, memberId);
                TryCompleteJoin(group);
            }
        }
    }
}
