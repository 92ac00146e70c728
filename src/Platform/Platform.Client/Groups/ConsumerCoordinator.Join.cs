using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Groups;

internal sealed partial class ConsumerCoordinator
{
    private const int MaxJoinAttempts = 50;

    /// <summary>One rebalance from this member's side: revoke (eager), JoinGroup, assign if leader, SyncGroup, apply.</summary>
    private async Task JoinAndSyncAsync(CancellationToken cancellationToken)
    {
        _stable = false;
        if (RebalanceProtocol == RebalanceProtocol.Eager && _assigned.Count > 0)
        {
            // Eager: give everything up before joining, so the listener can commit while it still owns it.
            var revoked = _assigned;
            _assigned = [];
            _listener.OnRevoked(revoked);
        }

        for (var attempt = 1; ; attempt++)
        {
            _rejoinNeeded = false;
            var join = await SendJoinAsync(cancellationToken).ConfigureAwait(false);
            var code = (ErrorCode)join.ErrorCode;
            if (code != ErrorCode.None)
            {
                HandleJoinError(code, join, attempt);
                if (code != ErrorCode.MemberIdRequired)
                {
                    await Task.Delay(_settings.RetryBackoff, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            lock (_lock)
            {
                _memberId = join.MemberId;
                _generation = join.GenerationId;
            }

            _protocol = join.ProtocolName;
            var assignments = join.Leader == join.MemberId && !join.SkipAssignment
                ? await AssignAsLeaderAsync(join, cancellationToken).ConfigureAwait(false)
                : [];
            var sync = await SendSyncAsync(join, assignments, cancellationToken).ConfigureAwait(false);
            code = (ErrorCode)sync.ErrorCode;
            if (code != ErrorCode.None)
            {
                HandleSyncError(code, attempt);
                continue;
            }

            var assignment = ConsumerProtocol.DecodeAssignment(sync.Assignment);
            _settings.Assignors.FirstOrDefault(a => a.Name == join.ProtocolName)?.OnAssignment(assignment, join.GenerationId);
            Apply(assignment.Partitions);
            lock (_lock)
            {
                _stable = !_lostPending;
            }

            WakeHeartbeat();
            return;
        }
    }

    private async Task<JoinGroupResponse> SendJoinAsync(CancellationToken cancellationToken)
    {
        string memberId;
        int generation;
        lock (_lock)
        {
            memberId = _memberId;
            generation = _generation;
        }

        var owned = _assigned;
        var protocols = _settings.Assignors.Select(a => new JoinGroupRequest.JoinGroupRequestProtocol
        {
            Name = a.Name,
            Metadata = ConsumerProtocol.EncodeSubscription(new MemberSubscription(_topics, owned, generation, a.SubscriptionUserData(owned, generation))),
        }).ToList();
        return await _coordinators.SendAsync<JoinGroupResponse>(
            _settings.GroupId,
            ApiKey.JoinGroup,
            _ => new JoinGroupRequest
            {
                GroupId = _settings.GroupId,
                SessionTimeoutMs = (int)_settings.SessionTimeout.TotalMilliseconds,
                RebalanceTimeoutMs = (int)_settings.MaxPollInterval.TotalMilliseconds,
                MemberId = memberId,
                GroupInstanceId = _settings.GroupInstanceId,
                ProtocolType = ConsumerProtocol.ProtocolType,
                Protocols = protocols,
            },
            r => r.ErrorCode,
            cancellationToken).ConfigureAwait(false);
    }

    private void HandleJoinError(ErrorCode code, JoinGroupResponse join, int attempt)
    {
        if (code == ErrorCode.MemberIdRequired)
        {
            // KIP-394: the coordinator hands out the member id first; join again with it at once.
            lock (_lock)
            {
                _memberId = join.MemberId;
            }
        }

        HandleRebalanceError(code, attempt, "Joining");
    }

    private void HandleSyncError(ErrorCode code, int attempt) => HandleRebalanceError(code, attempt, "Syncing with");

    /// <summary>What a failed JoinGroup or SyncGroup leaves: a reset generation, a retry, or a <see cref="KafkaException"/>.</summary>
    private void HandleRebalanceError(ErrorCode code, int attempt, string step)
    {
        switch (code)
        {
            case ErrorCode.MemberIdRequired:
                break;
            case ErrorCode.UnknownMemberId:
                ResetGeneration(forgetMemberId: true);
                break;
            case ErrorCode.IllegalGeneration:
                ResetGeneration(forgetMemberId: false);
                break;
            case ErrorCode.RebalanceInProgress or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress:
                break;
            default:
                // FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED, ...
                _rejoinNeeded = true;
                throw Fail(code, $"{step} group '{_settings.GroupId}' failed: {code.ToKafkaName()}.");
        }

        if (attempt >= MaxJoinAttempts)
        {
            _rejoinNeeded = true;
            throw Fail(code, $"{step} group '{_settings.GroupId}' failed {attempt} times, last with {code.ToKafkaName()}.");
        }
    }

    /// <summary>The leader's work: decode every subscription, run the chosen assignor, encode the results.</summary>
    private async Task<Dictionary<string, MemberAssignment>> AssignAsLeaderAsync(JoinGroupResponse join, CancellationToken cancellationToken)
    {
        var assignor = _settings.Assignors.FirstOrDefault(a => a.Name == join.ProtocolName)
            ?? throw Fail(ErrorCode.InconsistentGroupProtocol, $"The group chose assignor '{join.ProtocolName}', which this consumer does not have.");
        var subscriptions = new Dictionary<string, MemberSubscription>(StringComparer.Ordinal);
        foreach (var member in join.Members)
        {
            subscriptions[member.MemberId] = ConsumerProtocol.DecodeSubscription(member.Metadata) with { GroupInstanceId = member.GroupInstanceId };
        }

        var topics = subscriptions.Values.SelectMany(s => s.Topics).Distinct(StringComparer.Ordinal).ToList();
        var counts = await PartitionCountsAsync(topics, cancellationToken).ConfigureAwait(false);

        // Subscribed topics that do not exist yet are watched as 0 partitions, so their creation triggers a rebalance.
        _groupTopics = topics.ToDictionary(t => t, t => counts.GetValueOrDefault(t), StringComparer.Ordinal);
        WatchMissingTopics(counts);
        return new Dictionary<string, MemberAssignment>(assignor.Assign(counts, subscriptions), StringComparer.Ordinal);
    }

    private async Task<SyncGroupResponse> SendSyncAsync(JoinGroupResponse join, Dictionary<string, MemberAssignment> assignments, CancellationToken cancellationToken)
    {
        return await _coordinators.SendAsync<SyncGroupResponse>(
            _settings.GroupId,
            ApiKey.SyncGroup,
            _ => new SyncGroupRequest
            {
                GroupId = _settings.GroupId,
                GenerationId = join.GenerationId,
                MemberId = join.MemberId,
                GroupInstanceId = _settings.GroupInstanceId,
                ProtocolType = ConsumerProtocol.ProtocolType,
                ProtocolName = join.ProtocolName,
                Assignments = [.. assignments.Select(a => new SyncGroupRequest.SyncGroupRequestAssignment
                {
                    MemberId = a.Key,
                    Assignment = ConsumerProtocol.EncodeAssignment(a.Value),
                })],
            },
            r => r.ErrorCode,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies a new assignment: eager takes it whole; cooperative revokes what went away and rejoins for the rest.</summary>
    private void Apply(IReadOnlyList<TopicPartition> assignment)
    {
        var next = assignment.Distinct().ToList();
        if (RebalanceProtocol == RebalanceProtocol.Eager)
        {
            _assigned = next;
            _listener.OnAssigned(next, next);
            return;
        }

        var revoked = _assigned.Except(next).ToList();
        var added = next.Except(_assigned).ToList();
        if (revoked.Count > 0)
        {
            _assigned = [.. _assigned.Except(revoked)];
            _listener.OnRevoked(revoked);

            // What we gave up goes to its new owner in a follow-up rebalance.
            _rejoinNeeded = true;
        }

        _assigned = next;
        _listener.OnAssigned(added, next);
    }
}
