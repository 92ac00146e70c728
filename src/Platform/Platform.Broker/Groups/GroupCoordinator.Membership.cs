using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    /// <summary>
    /// SyncGroup. The leader's request carries the assignment, which is stored and handed to every
    /// member; a follower's request waits for it. In a stable group it returns the current assignment.
    /// </summary>
    public Task<SyncGroupResult> SyncGroupAsync(string groupId, int generationId, string memberId, string? groupInstanceId, string? protocolType, string? protocolName, IReadOnlyDictionary<string, byte[]> assignments)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return Task.FromResult(SyncGroupResult.Failed(error));
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
        }

        lock (group.Gate)
        {
            error = ValidateMember(group, memberId, groupInstanceId, generationId);
            if (error == ErrorCode.None
                && ((protocolType is not null && protocolType != group.ProtocolType) || (protocolName is not null && protocolName != group.ProtocolName)))
            {
                error = ErrorCode.InconsistentGroupProtocol;
            }

            if (error != ErrorCode.None)
            {
                return Task.FromResult(SyncGroupResult.Failed(error));
            }

            var member = group.Get(memberId);
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                case GroupState.Stable:
                    ScheduleSessionExpiry(group, member);
                    return Task.FromResult(new SyncGroupResult(ErrorCode.None, member.Assignment, group.ProtocolType, group.ProtocolName));
                case GroupState.CompletingRebalance:
                    var waiter = new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    member.CompleteSync(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                    member.AwaitingSync = waiter;
                    ScheduleSessionExpiry(group, member);
                    if (group.IsLeader(memberId))
                    {
                        CompleteSync(group, assignments);
                    }

                    return waiter.Task;
                default:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
            }
        }
    }

    /// <summary>The leader's assignment arrived: persist the generation with it, then answer every member.</summary>
    private void CompleteSync(ConsumerGroup group, IReadOnlyDictionary<string, byte[]> assignments)
    {
        foreach (var member in group.Members.Values)
        {
            member.Assignment = assignments.GetValueOrDefault(member.MemberId) ?? [];
        }

        var error = StoreGroup(group);
        if (error != ErrorCode.None)
        {
            ResetAndPropagateAssignmentError(group, error);
            MaybePrepareRebalance(group, "the group metadata could not be stored");
            return;
        }

        SetAndPropagateAssignment(group, group.Members.Values.ToDictionary(m => m.MemberId, m => m.Assignment, StringComparer.Ordinal));
        group.TransitionTo(GroupState.Stable, NowMs);
        LogGroupStable(group.GroupId, group.GenerationId, group.Members.Count);
    }

    /// <summary>Heartbeat: keeps the session alive and tells the member whether a rebalance is on.</summary>
    public ErrorCode Heartbeat(string groupId, int generationId, string memberId, string? groupInstanceId)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return error;
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return ErrorCode.UnknownMemberId;
        }

        lock (group.Gate)
        {
            error = ValidateMember(group, memberId, groupInstanceId, generationId);
            if (error != ErrorCode.None)
            {
                return error;
            }

            var member = group.Get(memberId);
            switch (group.State)
            {
                case GroupState.CompletingRebalance or GroupState.Stable:
                    ScheduleSessionExpiry(group, member);
                    return ErrorCode.None;
                case GroupState.PreparingRebalance:
                    ScheduleSessionExpiry(group, member);
                    return ErrorCode.RebalanceInProgress;
                default:
                    return ErrorCode.UnknownMemberId;
            }
        }
    }

    /// <summary>The checks SyncGroup and Heartbeat share, in Kafka's order.</summary>
    private static ErrorCode ValidateMember(ConsumerGroup group, string memberId, string? groupInstanceId, int generationId)
    {
        if (group.Is(GroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (group.IsStaticMemberFenced(groupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (!group.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        return group.Is(GroupState.Empty) ? ErrorCode.UnknownMemberId : ErrorCode.None;
    }

    /// <summary>
    /// LeaveGroup for one or more members (v3+ batches them; a static member may be named by its
    /// group.instance.id alone). Returns the group-level error and the error of each member.
    /// </summary>
    public (ErrorCode Error, IReadOnlyList<LeavingMember> Members) LeaveGroup(string groupId, IReadOnlyList<LeavingMember> leaving)
    {
        var error = Validate(groupId);
        if (error != ErrorCode.None)
        {
            return (error, leaving);
        }

        var group = GetGroup(groupId);
        if (group is null)
        {
            return (ErrorCode.None, leaving.Select(m => m with { Error = ErrorCode.UnknownMemberId }).ToList());
        }

        lock (group.Gate)
        {
            if (group.Is(GroupState.Dead))
            {
                return (ErrorCode.CoordinatorNotAvailable, leaving);
            }

            return (ErrorCode.None, leaving.Select(m => m with { Error = RemoveLeavingMember(group, m) }).ToList());
        }
    }

    private ErrorCode RemoveLeavingMember(ConsumerGroup group, LeavingMember leaving)
    {
        var memberId = leaving.MemberId;
        if (memberId.Length == 0 && leaving.GroupInstanceId is not null)
        {
            memberId = group.StaticMemberId(leaving.GroupInstanceId) ?? "";
            if (memberId.Length == 0)
            {
                return ErrorCode.UnknownMemberId;
            }
        }

        if (group.PendingMembers.Remove(memberId, out var timer))
        {
            timer.Dispose();
            TryCompleteJoin(group);
            return ErrorCode.None;
        }

        if (group.IsStaticMemberFenced(leaving.GroupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (!group.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        RemoveMemberAndUpdateGroup(group, group.Get(memberId), "it left the group");
        return ErrorCode.None;
    }
}
