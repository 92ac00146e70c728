using Platform.Protocol;

namespace Platform.Broker.Groups;

public sealed partial class GroupCoordinator
{
    private void MaybePrepareRebalance(ConsumerGroup group, string reason)
    {
        if (group.CanRebalance)
        {
            PrepareRebalance(group, reason);
        }
    }

    /// <summary>
    /// Starts a join phase: members must rejoin within the rebalance timeout. The first rebalance of an
    /// empty group waits group.initial.rebalance.delay.ms (extended while members keep arriving, up to
    /// the rebalance timeout), so a starting fleet of consumers does not rebalance once per member.
    /// </summary>
    private void PrepareRebalance(ConsumerGroup group, string reason)
    {
        if (group.Is(GroupState.CompletingRebalance))
        {
            ResetAndPropagateAssignmentError(group, ErrorCode.RebalanceInProgress);
        }

        var initial = group.Is(GroupState.Empty);
        group.TransitionTo(GroupState.PreparingRebalance, NowMs);
        LogPreparingRebalance(group.GroupId, group.GenerationId, reason);
        if (initial)
        {
            var delay = _options.GroupInitialRebalanceDelayMs;
            group.NewMemberAdded = false;
            group.InitialDelayRemainingMs = Math.Max(group.RebalanceTimeoutMs - delay, 0);
            StartJoinTimer(group, delay, initial: true);
        }
        else
        {
            StartJoinTimer(group, group.RebalanceTimeoutMs, initial: false);
            TryCompleteJoin(group);
        }
    }

    private void StartJoinTimer(ConsumerGroup group, int delayMs, bool initial)
    {
        CancelJoinTimer(group);
        var epoch = group.JoinTimerEpoch;
        group.InInitialDelay = initial;
        group.JoinTimer = _time.CreateTimer(_ => OnJoinTimer(group, epoch), null, TimeSpan.FromMilliseconds(delayMs), Timeout.InfiniteTimeSpan);
    }

    private static void CancelJoinTimer(ConsumerGroup group)
    {
        group.JoinTimerEpoch++;
        group.JoinTimer?.Dispose();
        group.JoinTimer = null;
        group.InInitialDelay = false;
    }

    private void OnJoinTimer(ConsumerGroup group, int epoch)
    {
        lock (group.Gate)
        {
            if (epoch != group.JoinTimerEpoch || !group.Is(GroupState.PreparingRebalance))
            {
                return;
            }

            if (group.InInitialDelay && group.NewMemberAdded && group.InitialDelayRemainingMs > 0)
            {
                group.NewMemberAdded = false;
                var delay = Math.Min(_options.GroupInitialRebalanceDelayMs, group.InitialDelayRemainingMs);
                group.InitialDelayRemainingMs -= delay;
                StartJoinTimer(group, delay, initial: true);
                return;
            }

            CompleteJoin(group);
        }
    }

    /// <summary>Completes the join phase early once every member (and every pending member id) has joined.</summary>
    private void TryCompleteJoin(ConsumerGroup group)
    {
        if (group.Is(GroupState.PreparingRebalance) && !group.InInitialDelay && group.HasAllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>
    /// Ends the join phase: dynamic members that did not rejoin are dropped, the generation moves on,
    /// the protocol is chosen, and every waiting JoinGroup is answered (the leader gets the members).
    /// </summary>
    private void CompleteJoin(ConsumerGroup group)
    {
        CancelJoinTimer(group);
        foreach (var member in group.Members.Values.Where(m => !m.IsAwaitingJoin && !m.IsStatic).ToList())
        {
            LogMemberRemoved(group.GroupId, member.MemberId, "it did not rejoin in time");
            group.Remove(member.MemberId);
        }

        if (!group.MaybeElectNewJoinedLeader() && group.Members.Count > 0)
        {
            // Only static members that have not rejoined are left: wait for them (or their session timeouts).
            StartJoinTimer(group, Math.Max(group.RebalanceTimeoutMs, 1), initial: false);
            return;
        }

        group.GenerationId++;
        if (group.Members.Count == 0)
        {
            group.ProtocolName = null;
            group.LeaderId = null;
            group.TransitionTo(GroupState.Empty, NowMs);
            StoreGroup(group);
            LogGroupEmpty(group.GroupId, group.GenerationId);
            return;
        }

        group.ProtocolName = group.SelectProtocol();
        group.TransitionTo(GroupState.CompletingRebalance, NowMs);
        LogGenerationStarted(group.GroupId, group.GenerationId, group.ProtocolName, group.Members.Count);
        var leaderView = LeaderView(group);
        foreach (var member in group.Members.Values)
        {
            member.CompleteJoin(new JoinGroupResult(
                ErrorCode.None,
                member.MemberId,
                group.GenerationId,
                group.ProtocolType,
                group.ProtocolName,
                group.LeaderId!,
                group.IsLeader(member.MemberId) ? leaderView : []));
            member.IsNew = false;
            ScheduleSessionExpiry(group, member);
        }
    }

    /// <summary>Answers every waiting SyncGroup with <paramref name="error"/> and forgets the assignments.</summary>
    private static void ResetAndPropagateAssignmentError(ConsumerGroup group, ErrorCode error)
    {
        foreach (var member in group.Members.Values)
        {
            member.Assignment = [];
            member.CompleteSync(SyncGroupResult.Failed(error));
        }
    }

    /// <summary>Gives every member its assignment and answers the waiting SyncGroups.</summary>
    private static void SetAndPropagateAssignment(ConsumerGroup group, IReadOnlyDictionary<string, byte[]> assignments)
    {
        foreach (var member in group.Members.Values)
        {
            member.Assignment = assignments.GetValueOrDefault(member.MemberId) ?? [];
            member.CompleteSync(new SyncGroupResult(ErrorCode.None, member.Assignment, group.ProtocolType, group.ProtocolName));
        }
    }

    private void RemoveMemberAndUpdateGroup(ConsumerGroup group, GroupMember member, string reason)
    {
        // A new member can time out with its JoinGroup still parked: answer it so the client retries.
        member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, member.MemberId));
        member.CompleteSync(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
        group.Remove(member.MemberId);
        LogMemberRemoved(group.GroupId, member.MemberId, reason);
        switch (group.State)
        {
            case GroupState.Stable or GroupState.CompletingRebalance:
                PrepareRebalance(group, $"member {member.MemberId} left: {reason}");
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    /// <summary>Restarts the member's session: it must send a heartbeat (or another group request) within its session timeout.</summary>
    private void ScheduleSessionExpiry(ConsumerGroup group, GroupMember member)
    {
        member.SessionDeadlineMs = NowMs + member.SessionTimeoutMs;
        var due = TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
        if (member.SessionTimer is null)
        {
            member.SessionTimer = _time.CreateTimer(_ => OnSessionTimer(group, member), null, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            member.SessionTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnSessionTimer(ConsumerGroup group, GroupMember member)
    {
        lock (group.Gate)
        {
            if (!group.Members.TryGetValue(member.MemberId, out var current) || !ReferenceEquals(current, member) || member.SessionTimer is null)
            {
                return;
            }

            var remaining = member.SessionDeadlineMs - NowMs;
            if (remaining > 0)
            {
                member.SessionTimer.Change(TimeSpan.FromMilliseconds(remaining), Timeout.InfiniteTimeSpan);
                return;
            }

            if (member.IsAwaitingJoin || member.IsAwaitingSync)
            {
                // A member parked in JoinGroup or SyncGroup is alive by definition.
                ScheduleSessionExpiry(group, member);
                return;
            }

            RemoveMemberAndUpdateGroup(group, member, "its session timed out");
        }
    }
}
