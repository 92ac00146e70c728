using System.Diagnostics;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Groups;

internal sealed partial class ConsumerCoordinator
{
    /// <summary>
    /// Heartbeats every <c>heartbeat.interval.ms</c> while the member is in a stable group, whatever
    /// the polling thread does; leaves the group when polls stop for <c>max.poll.interval.ms</c>.
    /// </summary>
    private async Task HeartbeatLoopAsync()
    {
        var token = _stop.Token;
        var lastSuccess = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _heartbeatWake.WaitAsync(_settings.HeartbeatInterval, token).ConfigureAwait(false);
                if (!_stable)
                {
                    lastSuccess = Stopwatch.GetTimestamp();
                    continue;
                }

                if (Elapsed(Volatile.Read(ref _lastPoll), _settings.MaxPollInterval))
                {
                    // The application stopped polling: let the group move on without us (Kafka's poll timeout).
                    await LeaveGroupAsync("consumer poll timeout has expired (max.poll.interval.ms)", token).ConfigureAwait(false);
                    _lostPending = true;
                    _rejoinNeeded = true;
                    AttentionNeeded?.Invoke();
                    continue;
                }

                var code = await SendHeartbeatAsync(token).ConfigureAwait(false);
                switch (code)
                {
                    case ErrorCode.None:
                        lastSuccess = Stopwatch.GetTimestamp();
                        break;
                    case ErrorCode.RebalanceInProgress:
                        lastSuccess = Stopwatch.GetTimestamp();
                        RequestRejoin();
                        break;
                    case ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.FencedInstanceId:
                        // Our generation is gone: others may own our partitions already.
                        ResetGeneration(forgetMemberId: code == ErrorCode.UnknownMemberId);
                        _lostPending = true;
                        RequestRejoin();
                        break;
                    default:
                        if (Elapsed(lastSuccess, _settings.SessionTimeout))
                        {
                            ResetGeneration(forgetMemberId: false);
                            _lostPending = true;
                            RequestRejoin();
                        }

                        break;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException or ObjectDisposedException)
            {
                // The coordinator is unreachable or slow: look it up again next time; the session timeout decides.
                _coordinators.Invalidate(_settings.GroupId);
                if (Elapsed(lastSuccess, _settings.SessionTimeout) && _stable)
                {
                    ResetGeneration(forgetMemberId: false);
                    _lostPending = true;
                    RequestRejoin();
                }
            }
        }
    }

    private async Task<ErrorCode> SendHeartbeatAsync(CancellationToken cancellationToken)
    {
        string memberId;
        int generation;
        lock (_lock)
        {
            memberId = _memberId;
            generation = _generation;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        var connection = await _coordinators.GetAsync(_settings.GroupId, timeout.Token).ConfigureAwait(false);
        var response = await connection.SendAsync<HeartbeatResponse>(
            new HeartbeatRequest { GroupId = _settings.GroupId, GenerationId = generation, MemberId = memberId, GroupInstanceId = _settings.GroupInstanceId },
            timeout.Token).ConfigureAwait(false);
        var code = (ErrorCode)response.ErrorCode;
        if (CoordinatorLocatorErrors(code))
        {
            _coordinators.Invalidate(_settings.GroupId);
        }

        return code;
    }

    private static bool CoordinatorLocatorErrors(ErrorCode code) => Network.CoordinatorLocator.IsCoordinatorError(code);

    private void WakeHeartbeat()
    {
        try
        {
            if (_heartbeatWake.CurrentCount == 0)
            {
                _heartbeatWake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    /// <summary>
    /// Leaves the group (LeaveGroup; for a static member nothing is sent, as in Kafka, so a restart
    /// within the session timeout keeps its partitions) and forgets the generation.
    /// </summary>
    public async Task LeaveGroupAsync(string reason, CancellationToken cancellationToken = default)
    {
        string memberId;
        lock (_lock)
        {
            memberId = _memberId;
            _stable = false;
            _generation = -1;
            _memberId = "";
        }

        if (memberId.Length == 0 || _settings.GroupInstanceId is not null)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            await _coordinators.SendAsync<LeaveGroupResponse>(
                _settings.GroupId,
                ApiKey.LeaveGroup,
                version => version >= 3
                    ? new LeaveGroupRequest { GroupId = _settings.GroupId, Members = [new LeaveGroupRequest.MemberIdentity { MemberId = memberId, Reason = reason }] }
                    : new LeaveGroupRequest { GroupId = _settings.GroupId, MemberId = memberId },
                r => r.ErrorCode,
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            // Best effort: the session timeout removes the member anyway.
        }
    }

    /// <summary>
    /// Closes the membership: with <c>internal.leave.group.on.close</c> the listener sees its partitions
    /// revoked (or lost, when the generation is gone) and the member leaves; then heartbeats stop.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_settings.LeaveGroupOnClose && Volatile.Read(ref _disposed) == 0)
        {
            if (_lostPending)
            {
                ReportLost();
            }
            else if (_assigned.Count > 0)
            {
                var revoked = _assigned;
                _assigned = [];
                _listener.OnRevoked(revoked);
            }

            await LeaveGroupAsync("the consumer is being closed", cancellationToken).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }
}
