using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;

namespace Platform.Cluster;

/// <summary>
/// A broker's registration, alive while its etcd lease is: keeps the lease alive (a renewal every third of
/// its time to live) and cancels <see cref="Lost"/> once the lease may have expired (etcd said so, or no
/// renewal got through for a whole time to live), after which the broker must stop acting on cluster state
/// it holds through the lease (its registration, the controller role). Disposing revokes the lease, so the
/// broker's keys go at once (a controlled shutdown).
/// </summary>
public sealed class BrokerSession : IAsyncDisposable
{
    private readonly EtcdClusterStore _store;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _keepAlive;
    private readonly SemaphoreSlim _update = new(1, 1);
    private volatile BrokerRegistration _registration;
    private int _disposed;

    internal BrokerSession(EtcdClusterStore store, BrokerRegistration registration, long leaseId, TimeSpan ttl)
    {
        _store = store;
        _registration = registration;
        LeaseId = leaseId;
        _ttl = ttl;
        _keepAlive = Task.Run(KeepAliveAsync);
    }

    /// <summary>The registration as last written (shutting down, replicas offline).</summary>
    public BrokerRegistration Registration => _registration;

    public long LeaseId { get; }

    /// <summary>Cancelled when the lease has expired or may have, or the session was disposed: the broker is no longer registered.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// A controlled shutdown (Kafka's ControlledShutdown): marks the registration as shutting down, so the
    /// controller moves every leadership of this broker to another ISR member and takes it out of the ISRs,
    /// and waits until no partition names it as leader or in its ISR, at most <paramref name="timeout"/>. Returns
    /// the partitions where it still is then (none when the move completed; a partition with no other replica
    /// in sync stays with it until it stops). Dispose the session afterwards.
    /// </summary>
    public async Task<IReadOnlyList<(string Topic, int Partition)>> ShutDownAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await UpdateAsync(r => r with { ShuttingDown = true }, deadline.Token).ConfigureAwait(false);
        IReadOnlyList<(string, int)> led = [];
        try
        {
            while (true)
            {
                var (states, _) = await _store.GetPartitionStatesAsync(cancellationToken: deadline.Token).ConfigureAwait(false);
                var id = Registration.Id;
                led = [.. states.Where(s => s.Value.Value.Isr.Contains(id) && s.Value.Value.Isr.Any(r => r != id)).Select(s => s.Key)];
                if (led.Count == 0)
                {
                    return led;
                }

                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return led;
        }
    }

    /// <summary>
    /// Says which of this broker's replicas have their log offline (Kafka's failed log directory), so the controller
    /// moves their leadership away and takes them out of the ISR. Replaces what was reported before.
    /// </summary>
    public Task ReportOfflineReplicasAsync(IReadOnlyCollection<ReplicaRef> offline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offline);
        return UpdateAsync(r => r with { OfflineReplicas = offline.Count == 0 ? null : [.. offline.OrderBy(o => o.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition)] }, cancellationToken);
    }

    /// <summary>One change of the registration at a time, each from the one written before.</summary>
    private async Task UpdateAsync(Func<BrokerRegistration, BrokerRegistration> change, CancellationToken cancellationToken)
    {
        await _update.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var next = change(_registration);
            await _store.UpdateRegistrationAsync(this, next, cancellationToken).ConfigureAwait(false);
            _registration = next;
        }
        finally
        {
            _update.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A lost session is disposed by the loop that registers again, and by the broker's own disposal if it races that.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(false);
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _store.RevokeLeaseAsync(LeaseId, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ClusterException or OperationCanceledException)
            {
                // etcd unreachable: the lease ends by itself within its time to live.
            }
        }

        // Whoever acts through the session (the controller) stops now: the registration is gone.
        await _lost.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task KeepAliveAsync()
    {
        var interval = _ttl / 3;
        var renewed = Stopwatch.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            var left = _ttl - Stopwatch.GetElapsedTime(renewed);
            if (left <= TimeSpan.Zero)
            {
                await _lost.CancelAsync().ConfigureAwait(false);
                return;
            }

            // One stream per attempt; a renewal that does not come back before the lease would end counts as lost.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            attempt.CancelAfter(left);
            try
            {
                using var call = _store.OpenKeepAlive(attempt.Token);
                while (true)
                {
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = LeaseId }, attempt.Token).ConfigureAwait(false);
                    if (!await call.ResponseStream.MoveNext(attempt.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        await _lost.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    renewed = Stopwatch.GetTimestamp();
                    attempt.CancelAfter(_ttl);
                    await Task.Delay(interval, attempt.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, interval.TotalMilliseconds)), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
