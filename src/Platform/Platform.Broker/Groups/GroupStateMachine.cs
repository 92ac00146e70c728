using Platform.Broker.Groups.Records;
using Platform.Protocol;

namespace Platform.Broker.Groups;

/// <summary>
/// The classic group protocol's state machine of one <see cref="ConsumerGroup"/>: JoinGroup, SyncGroup,
/// Heartbeat and LeaveGroup move it through <see cref="GroupState"/> and the generations, with the
/// rebalance timer (and the initial delay of an empty group's first rebalance), the members' session
/// timers and the protocol vote. Runs under the group's gate; the group metadata it writes is answered
/// only once durable.
/// </summary>
internal sealed class GroupStateMachine(ConsumerGroup group, GroupContext context)
{
    private readonly GroupContext _context = context;
    private ITimer? _joinTimer;
    private int _joinTimerEpoch;
    private bool _inInitialDelay;
    private bool _newMemberAdded;
    private int _initialDelayRemainingMs;

    public GroupState State { get; private set; } = GroupState.Empty;

    /// <summary>When the group entered its current state (Kafka's currentStateTimestamp).</summary>
    public long StateTimestampMs { get; private set; } = context.NowMs;

    public int GenerationId { get; private set; }

    public string? ProtocolName { get; private set; }

    private Lock Gate => group.Gate;

    private string GroupId => group.GroupId;

    private GroupMembers Members => group.Members;

    private BrokerOptions Options => _context.Options;

    public bool Is(GroupState state) => State == state;

    private void TransitionTo(GroupState state)
    {
        State = state;
        StateTimestampMs = _context.NowMs;
    }

    /// <summary>Takes the generation and members of the group's last metadata record: they come back Stable and must heartbeat within their session timeouts, as after a coordinator move in Kafka.</summary>
    public void Restore(GroupMetadataValue value)
    {
        GenerationId = value.Generation;
        Members.ProtocolType = value.ProtocolType.Length > 0 ? value.ProtocolType : null;
        ProtocolName = value.Protocol;
        foreach (var stored in value.Members)
        {
            var protocols = value.Protocol is null ? [] : new[] { new GroupProtocol(value.Protocol, stored.Subscription) };
            Members.Add(new GroupMember(stored.MemberId, stored.GroupInstanceId, stored.ClientId, stored.ClientHost, stored.RebalanceTimeout, stored.SessionTimeout, value.ProtocolType, protocols)
            {
                Assignment = stored.Assignment,
            });
        }

        Members.LeaderId = value.Leader is not null && Members.Has(value.Leader) ? value.Leader : Members.LeaderId;
        State = Members.Count > 0 ? GroupState.Stable : GroupState.Empty;
        StateTimestampMs = value.CurrentStateTimestamp >= 0 ? value.CurrentStateTimestamp : _context.NowMs;
        foreach (var member in Members.All)
        {
            ScheduleSessionExpiry(member);
        }
    }

    /// <summary>The group stops (unloaded, or deleted): whatever waits is answered <paramref name="error"/>, the timers stop, the group is dead.</summary>
    public void Stop(ErrorCode error)
    {
        foreach (var member in Members.All)
        {
            member.CompleteJoin(JoinGroupResult.Failed(error, member.MemberId));
            member.CompleteSync(SyncGroupResult.Failed(error));
            member.DisposeTimer();
        }

        Members.ClearPending();
        CancelJoinTimer();
        TransitionTo(GroupState.Dead);
    }

    /// <summary>A deleted group whose tombstones could not be written is back, empty.</summary>
    public void Revive() => TransitionTo(GroupState.Empty);

    /// <summary>
    /// JoinGroup. The task completes when the rebalance does (other members joined, or the rebalance
    /// timeout passed), or at once with an error, MEMBER_ID_REQUIRED (the first step of a v4+ join)
    /// or the current generation (a member rejoining a group that needs no rebalance).
    /// </summary>
    public Task<JoinGroupResult> Join(JoinGroupArgs join)
    {
        lock (Gate)
        {
            var isUnknownMember = join.MemberId.Length == 0;
            if (!AcceptJoiningMember(join.MemberId))
            {
                if (!isUnknownMember && Members.Has(join.MemberId))
                {
                    RemoveMemberAndUpdateGroup(Members.Get(join.MemberId), "the group is full");
                }

                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.GroupMaxSizeReached, join.MemberId));
            }

            return isUnknownMember ? NewMemberJoin(join) : CurrentMemberJoin(join);
        }
    }

    private bool AcceptJoiningMember(string memberId) => State switch
    {
        GroupState.Empty or GroupState.Dead => true,
        GroupState.CompletingRebalance or GroupState.Stable => Members.Has(memberId) || Members.Count < Options.GroupMaxSize,
        // While rebalancing, only members that rejoined count: the rest are dropped when it completes.
        _ => (Members.Has(memberId) && Members.Get(memberId).IsAwaitingJoin) || Members.NumAwaitingJoin < Options.GroupMaxSize,
    };

    private Task<JoinGroupResult> NewMemberJoin(JoinGroupArgs join)
    {
        if (Is(GroupState.Dead))
        {
            // The group was deleted or unloaded under this request; the client looks it up again.
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable));
        }

        if (!Members.SupportsProtocols(join.ProtocolType, join.Protocols))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol));
        }

        var memberId = NewMemberId(join.ClientId, join.GroupInstanceId);
        if (join.GroupInstanceId is not null)
        {
            return StaticMemberJoin(join, memberId);
        }

        if (join.RequireKnownMemberId)
        {
            // KIP-394: hand out the id first; the member joins with it, so a lost response cannot leave
            // an orphan member behind. The id expires unless the second join comes within the session.
            var timer = _context.Time.CreateTimer(_ => ExpirePendingMember(memberId), null, TimeSpan.FromMilliseconds(join.SessionTimeoutMs), Timeout.InfiniteTimeSpan);
            Members.Pending[memberId] = timer;
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.MemberIdRequired, memberId));
        }

        return AddMemberAndRebalance(join, memberId);
    }

    private Task<JoinGroupResult> CurrentMemberJoin(JoinGroupArgs join)
    {
        if (Is(GroupState.Dead))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable, join.MemberId));
        }

        if (!Members.SupportsProtocols(join.ProtocolType, join.Protocols))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.InconsistentGroupProtocol, join.MemberId));
        }

        if (Members.Pending.Remove(join.MemberId, out var pendingTimer))
        {
            // The second step of a two-step join.
            pendingTimer.Dispose();
            return AddMemberAndRebalance(join, join.MemberId);
        }

        if (Members.IsStaticMemberFenced(join.GroupInstanceId, join.MemberId))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.FencedInstanceId, join.MemberId));
        }

        if (!Members.Has(join.MemberId) || (join.GroupInstanceId is not null && Members.StaticMemberId(join.GroupInstanceId) is null))
        {
            return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));
        }

        var member = Members.Get(join.MemberId);
        switch (State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(member, join, "a member rejoined");
            case GroupState.CompletingRebalance when member.Matches(join.Protocols):
                // The member lost its JoinGroup response: answer again with the current generation.
                ScheduleSessionExpiry(member);
                return Task.FromResult(CurrentGeneration(member, includeMembers: Members.IsLeader(member.MemberId)));
            case GroupState.CompletingRebalance:
                return UpdateMemberAndRebalance(member, join, $"member {member.MemberId} changed its metadata");
            case GroupState.Stable when Members.IsLeader(member.MemberId) || !member.Matches(join.Protocols):
                // A leader that rejoins wants a new assignment (e.g. the subscribed topics changed).
                return UpdateMemberAndRebalance(member, join, $"member {member.MemberId} rejoined with new metadata or as leader");
            case GroupState.Stable:
                ScheduleSessionExpiry(member);
                return Task.FromResult(CurrentGeneration(member, includeMembers: false));
            default:
                return Task.FromResult(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, join.MemberId));
        }
    }

    /// <summary>KIP-345 static membership: a known group.instance.id takes over its old member's place without a rebalance where possible.</summary>
    private Task<JoinGroupResult> StaticMemberJoin(JoinGroupArgs join, string newMemberId)
    {
        var oldMemberId = Members.StaticMemberId(join.GroupInstanceId!);
        if (oldMemberId is null || !Members.Has(oldMemberId))
        {
            return AddMemberAndRebalance(join, newMemberId);
        }

        var member = Members.Get(oldMemberId);
        // The old incarnation is fenced: whatever it still waits for fails.
        member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.FencedInstanceId, oldMemberId));
        member.CompleteSync(SyncGroupResult.Failed(ErrorCode.FencedInstanceId));
        Members.ReplaceMemberId(member, newMemberId);
        _context.Logger.LogStaticMemberReplaced(GroupId, join.GroupInstanceId!, oldMemberId, newMemberId);
        var task = UpdateMember(member, join);
        switch (State)
        {
            case GroupState.Stable when ProtocolName == Members.SelectProtocol():
                ScheduleSessionExpiry(member);
                var waiter = member.AwaitingJoin;
                _context.Store.StoreGroup(group, error =>
                {
                    lock (Gate)
                    {
                        // Unless a rebalance (or a newer incarnation) answered the join meanwhile.
                        if (member.AwaitingJoin != waiter)
                        {
                            return;
                        }

                        var skip = Members.IsLeader(member.MemberId) && join.SupportSkippingAssignment;
                        member.CompleteJoin(error != ErrorCode.None
                            ? JoinGroupResult.Failed(CoordinatorTopic.GroupStoreError(error), member.MemberId)
                            : CurrentGeneration(member, includeMembers: skip) with { SkipAssignment = skip });
                    }
                });
                break;
            case GroupState.Stable:
                MaybePrepareRebalance($"static member {join.GroupInstanceId} rejoined with a change of protocol");
                break;
            case GroupState.CompletingRebalance:
                // The leader may be assigning partitions to the old member id: start over.
                PrepareRebalance($"static member {join.GroupInstanceId} rejoined during a rebalance");
                break;
            default:
                TryCompleteJoin();
                break;
        }

        return task;
    }

    private Task<JoinGroupResult> AddMemberAndRebalance(JoinGroupArgs join, string memberId)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost, join.RebalanceTimeoutMs, join.SessionTimeoutMs, join.ProtocolType, join.Protocols)
        {
            IsNew = true,
        };
        if (Is(GroupState.PreparingRebalance) && GenerationId == 0)
        {
            _newMemberAdded = true;
        }

        var waiter = NewJoinWaiter();
        member.AwaitingJoin = waiter;
        Members.Add(member);
        _context.Logger.LogMemberJoined(GroupId, memberId, join.GroupInstanceId);
        MaybePrepareRebalance($"member {memberId} joined");
        TryCompleteJoin();
        return waiter.Task;
    }

    private Task<JoinGroupResult> UpdateMemberAndRebalance(GroupMember member, JoinGroupArgs join, string reason)
    {
        var task = UpdateMember(member, join);
        MaybePrepareRebalance(reason);
        TryCompleteJoin();
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

    /// <summary>Kafka's member ids: the client (or group instance) id, a dash and a UUID.</summary>
    private static string NewMemberId(string clientId, string? groupInstanceId)
        => (groupInstanceId ?? clientId) + "-" + Guid.NewGuid().ToString();

    private JoinGroupResult CurrentGeneration(GroupMember member, bool includeMembers)
        => new(ErrorCode.None, member.MemberId, GenerationId, Members.ProtocolType, ProtocolName, Members.LeaderId ?? "", includeMembers ? LeaderView() : []);

    private List<JoinedMember> LeaderView()
        => Members.All.Select(m => new JoinedMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(ProtocolName!))).ToList();

    private void ExpirePendingMember(string memberId)
    {
        lock (Gate)
        {
            if (Members.Pending.Remove(memberId, out var timer))
            {
                timer.Dispose();
                _context.Logger.LogPendingMemberExpired(GroupId, memberId);
                TryCompleteJoin();
            }
        }
    }

    /// <summary>
    /// SyncGroup. The leader's request carries the assignment, which is stored and handed to every
    /// member once durable; a follower's request waits for it. In a stable group it returns the current assignment.
    /// </summary>
    public Task<SyncGroupResult> Sync(int generationId, string memberId, string? groupInstanceId, string? protocolType, string? protocolName, IReadOnlyDictionary<string, byte[]> assignments)
    {
        lock (Gate)
        {
            var error = ValidateMember(memberId, groupInstanceId, generationId);
            if (error == ErrorCode.None
                && ((protocolType is not null && protocolType != Members.ProtocolType) || (protocolName is not null && protocolName != ProtocolName)))
            {
                error = ErrorCode.InconsistentGroupProtocol;
            }

            if (error != ErrorCode.None)
            {
                return Task.FromResult(SyncGroupResult.Failed(error));
            }

            var member = Members.Get(memberId);
            switch (State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                case GroupState.Stable:
                    ScheduleSessionExpiry(member);
                    return Task.FromResult(new SyncGroupResult(ErrorCode.None, member.Assignment, Members.ProtocolType, ProtocolName));
                case GroupState.CompletingRebalance:
                    var waiter = new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    member.CompleteSync(SyncGroupResult.Failed(ErrorCode.RebalanceInProgress));
                    member.AwaitingSync = waiter;
                    ScheduleSessionExpiry(member);
                    if (Members.IsLeader(memberId))
                    {
                        StoreAssignment(assignments);
                    }

                    return waiter.Task;
                default:
                    return Task.FromResult(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
            }
        }
    }

    /// <summary>The leader's assignment arrived: persist the generation with it; once durable, answer every member and become Stable.</summary>
    private void StoreAssignment(IReadOnlyDictionary<string, byte[]> assignments)
    {
        foreach (var member in Members.All)
        {
            member.Assignment = assignments.GetValueOrDefault(member.MemberId) ?? [];
        }

        var generation = GenerationId;
        _context.Store.StoreGroup(group, error =>
        {
            lock (Gate)
            {
                // A rebalance that started meanwhile has answered the waiting members already.
                if (!Is(GroupState.CompletingRebalance) || GenerationId != generation)
                {
                    return;
                }

                if (error != ErrorCode.None)
                {
                    ResetAndPropagateAssignmentError(CoordinatorTopic.GroupStoreError(error));
                    MaybePrepareRebalance("the group metadata could not be stored");
                    return;
                }

                foreach (var member in Members.All)
                {
                    member.CompleteSync(new SyncGroupResult(ErrorCode.None, member.Assignment, Members.ProtocolType, ProtocolName));
                }

                TransitionTo(GroupState.Stable);
                _context.Logger.LogGroupStable(GroupId, GenerationId, Members.Count);
            }
        });
    }

    /// <summary>Heartbeat: keeps the session alive and tells the member whether a rebalance is on.</summary>
    public ErrorCode Heartbeat(int generationId, string memberId, string? groupInstanceId)
    {
        lock (Gate)
        {
            var error = ValidateMember(memberId, groupInstanceId, generationId);
            if (error != ErrorCode.None)
            {
                return error;
            }

            var member = Members.Get(memberId);
            switch (State)
            {
                case GroupState.CompletingRebalance or GroupState.Stable:
                    ScheduleSessionExpiry(member);
                    return ErrorCode.None;
                case GroupState.PreparingRebalance:
                    ScheduleSessionExpiry(member);
                    return ErrorCode.RebalanceInProgress;
                default:
                    return ErrorCode.UnknownMemberId;
            }
        }
    }

    /// <summary>The checks SyncGroup and Heartbeat share, in Kafka's order.</summary>
    private ErrorCode ValidateMember(string memberId, string? groupInstanceId, int generationId)
    {
        if (Is(GroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (Members.IsStaticMemberFenced(groupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (!Members.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generationId != GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        return Is(GroupState.Empty) ? ErrorCode.UnknownMemberId : ErrorCode.None;
    }

    /// <summary>LeaveGroup for one or more members; a static member may be named by its group.instance.id alone.</summary>
    public (ErrorCode Error, IReadOnlyList<LeavingMember> Members) Leave(IReadOnlyList<LeavingMember> leaving)
    {
        lock (Gate)
        {
            if (Is(GroupState.Dead))
            {
                return (ErrorCode.CoordinatorNotAvailable, leaving);
            }

            return (ErrorCode.None, leaving.Select(m => m with { Error = RemoveLeavingMember(m) }).ToList());
        }
    }

    private ErrorCode RemoveLeavingMember(LeavingMember leaving)
    {
        var memberId = leaving.MemberId;
        if (memberId.Length == 0 && leaving.GroupInstanceId is not null)
        {
            memberId = Members.StaticMemberId(leaving.GroupInstanceId) ?? "";
            if (memberId.Length == 0)
            {
                return ErrorCode.UnknownMemberId;
            }
        }

        if (Members.Pending.Remove(memberId, out var timer))
        {
            timer.Dispose();
            TryCompleteJoin();
            return ErrorCode.None;
        }

        if (Members.IsStaticMemberFenced(leaving.GroupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (!Members.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        RemoveMemberAndUpdateGroup(Members.Get(memberId), "it left the group");
        return ErrorCode.None;
    }

    private void MaybePrepareRebalance(string reason)
    {
        if (State is GroupState.Stable or GroupState.CompletingRebalance or GroupState.Empty)
        {
            PrepareRebalance(reason);
        }
    }

    /// <summary>
    /// Starts a join phase: members must rejoin within the rebalance timeout. The first rebalance of an
    /// empty group waits group.initial.rebalance.delay.ms (extended while members keep arriving, up to
    /// the rebalance timeout), so a starting fleet of consumers does not rebalance once per member.
    /// </summary>
    private void PrepareRebalance(string reason)
    {
        if (Is(GroupState.CompletingRebalance))
        {
            ResetAndPropagateAssignmentError(ErrorCode.RebalanceInProgress);
        }

        var initial = Is(GroupState.Empty);
        TransitionTo(GroupState.PreparingRebalance);
        _context.Logger.LogPreparingRebalance(GroupId, GenerationId, reason);
        if (initial)
        {
            var delay = Options.GroupInitialRebalanceDelayMs;
            _newMemberAdded = false;
            _initialDelayRemainingMs = Math.Max(Members.RebalanceTimeoutMs - delay, 0);
            StartJoinTimer(delay, initial: true);
        }
        else
        {
            StartJoinTimer(Members.RebalanceTimeoutMs, initial: false);
            TryCompleteJoin();
        }
    }

    private void StartJoinTimer(int delayMs, bool initial)
    {
        CancelJoinTimer();
        var epoch = _joinTimerEpoch;
        _inInitialDelay = initial;
        _joinTimer = _context.Time.CreateTimer(_ => OnJoinTimer(epoch), null, TimeSpan.FromMilliseconds(delayMs), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops the join timer; the epoch makes a callback already on its way do nothing.</summary>
    private void CancelJoinTimer()
    {
        _joinTimerEpoch++;
        _joinTimer?.Dispose();
        _joinTimer = null;
        _inInitialDelay = false;
    }

    private void OnJoinTimer(int epoch)
    {
        lock (Gate)
        {
            if (epoch != _joinTimerEpoch || !Is(GroupState.PreparingRebalance))
            {
                return;
            }

            if (_inInitialDelay && _newMemberAdded && _initialDelayRemainingMs > 0)
            {
                _newMemberAdded = false;
                var delay = Math.Min(Options.GroupInitialRebalanceDelayMs, _initialDelayRemainingMs);
                _initialDelayRemainingMs -= delay;
                StartJoinTimer(delay, initial: true);
                return;
            }

            CompleteJoin();
        }
    }

    /// <summary>Completes the join phase early once every member (and every pending member id) has joined.</summary>
    private void TryCompleteJoin()
    {
        if (Is(GroupState.PreparingRebalance) && !_inInitialDelay && Members.HaveAllJoined)
        {
            CompleteJoin();
        }
    }

    /// <summary>
    /// Ends the join phase: dynamic members that did not rejoin are dropped, the generation moves on,
    /// the protocol is chosen, and every waiting JoinGroup is answered (the leader gets the members).
    /// </summary>
    private void CompleteJoin()
    {
        CancelJoinTimer();
        foreach (var member in Members.All.Where(m => !m.IsAwaitingJoin && !m.IsStatic).ToList())
        {
            _context.Logger.LogMemberRemoved(GroupId, member.MemberId, "it did not rejoin in time");
            Members.Remove(member.MemberId);
        }

        if (!Members.MaybeElectNewJoinedLeader() && Members.Count > 0)
        {
            // Only static members that have not rejoined are left: wait for them (or their session timeouts).
            StartJoinTimer(Math.Max(Members.RebalanceTimeoutMs, 1), initial: false);
            return;
        }

        GenerationId++;
        if (Members.Count == 0)
        {
            ProtocolName = null;
            Members.LeaderId = null;
            TransitionTo(GroupState.Empty);
            // No one waits for this record; a later commit's record follows it in the log.
            _context.Store.StoreGroup(group, static _ => { });
            _context.Logger.LogGroupEmpty(GroupId, GenerationId);
            return;
        }

        ProtocolName = Members.SelectProtocol();
        TransitionTo(GroupState.CompletingRebalance);
        _context.Logger.LogGenerationStarted(GroupId, GenerationId, ProtocolName, Members.Count);
        var leaderView = LeaderView();
        foreach (var member in Members.All)
        {
            member.CompleteJoin(new JoinGroupResult(
                ErrorCode.None,
                member.MemberId,
                GenerationId,
                Members.ProtocolType,
                ProtocolName,
                Members.LeaderId!,
                Members.IsLeader(member.MemberId) ? leaderView : []));
            member.IsNew = false;
            ScheduleSessionExpiry(member);
        }
    }

    /// <summary>Answers every waiting SyncGroup with <paramref name="error"/> and forgets the assignments.</summary>
    private void ResetAndPropagateAssignmentError(ErrorCode error)
    {
        foreach (var member in Members.All)
        {
            member.Assignment = [];
            member.CompleteSync(SyncGroupResult.Failed(error));
        }
    }

    private void RemoveMemberAndUpdateGroup(GroupMember member, string reason)
    {
        // A new member can time out with its JoinGroup still parked: answer it so the client retries.
        member.CompleteJoin(JoinGroupResult.Failed(ErrorCode.UnknownMemberId, member.MemberId));
        member.CompleteSync(SyncGroupResult.Failed(ErrorCode.UnknownMemberId));
        Members.Remove(member.MemberId);
        _context.Logger.LogMemberRemoved(GroupId, member.MemberId, reason);
        switch (State)
        {
            case GroupState.Stable or GroupState.CompletingRebalance:
                PrepareRebalance($"member {member.MemberId} left: {reason}");
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin();
                break;
        }
    }

    /// <summary>Restarts the member's session: it must send a heartbeat (or another group request) within its session timeout.</summary>
    private void ScheduleSessionExpiry(GroupMember member)
    {
        member.SessionDeadlineMs = _context.NowMs + member.SessionTimeoutMs;
        var due = TimeSpan.FromMilliseconds(member.SessionTimeoutMs);
        if (member.SessionTimer is null)
        {
            member.SessionTimer = _context.Time.CreateTimer(_ => OnSessionTimer(member), null, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            member.SessionTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnSessionTimer(GroupMember member)
    {
        lock (Gate)
        {
            if (!Members.TryGet(member.MemberId, out var current) || !ReferenceEquals(current, member) || member.SessionTimer is null)
            {
                return;
            }

            var remaining = member.SessionDeadlineMs - _context.NowMs;
            if (remaining > 0)
            {
                member.SessionTimer.Change(TimeSpan.FromMilliseconds(remaining), Timeout.InfiniteTimeSpan);
                return;
            }

            if (member.IsAwaitingJoin || member.IsAwaitingSync)
            {
                // A member parked in JoinGroup or SyncGroup is alive by definition.
                ScheduleSessionExpiry(member);
                return;
            }

            RemoveMemberAndUpdateGroup(member, "its session timed out");
        }
    }

    /// <summary>OffsetCommit's checks, in Kafka's order; a valid commit of a member keeps its session alive.</summary>
    public ErrorCode ValidateCommit(string memberId, string? groupInstanceId, int generationId)
    {
        if (Is(GroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        if (Members.IsStaticMemberFenced(groupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }

        if (generationId < 0 && Is(GroupState.Empty))
        {
            return ErrorCode.None;
        }

        if (Is(GroupState.CompletingRebalance))
        {
            // The member has the new generation but not its assignment yet.
            return ErrorCode.RebalanceInProgress;
        }

        if (!Members.Has(memberId))
        {
            return ErrorCode.UnknownMemberId;
        }

        if (generationId != GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }

        ScheduleSessionExpiry(Members.Get(memberId));
        return ErrorCode.None;
    }
}
