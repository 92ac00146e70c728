using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Replication;

/// <summary>
/// A leader's replication state of one partition with followers: the <see cref="IsrTracker"/> fed by the
/// leader's appends and the followers' fetches, the high watermark it publishes to the log (which caps what
/// consumers read and wakes them), the acks=all appends waiting for it, and ISR changes written to the
/// <see cref="IIsrStore"/> one at a time, outside the lock, the partition's role following the result. It also
/// keeps each follower's log start offset as its fetches report it, for DeleteRecords' low watermark.
/// </summary>
public sealed partial class LeaderState
{
    private readonly Lock _lock = new();
    private readonly Partition _partition;
    private readonly IsrTracker _tracker;
    private readonly IIsrStore _store;
    private readonly ILogger _logger;
    private readonly PriorityQueue<TaskCompletionSource, long> _waiters = new();
    private readonly Dictionary<int, long> _followerLogStartOffsets = [];
    private readonly Func<int, bool> _isAlive;
    private readonly BroadcastSignal _lowWatermarkInputsChanged = new();
    private bool _isrChangeInFlight;
    private LogException? _resigned;

    /// <param name="isAlive">Whether a broker is alive now (registered in the cluster): only live followers hold the low watermark back.</param>
    public LeaderState(Partition partition, PartitionRole role, int nodeId, IIsrStore store, TimeProvider time, ILogger logger, Func<int, bool> isAlive)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(role);
        _partition = partition;
        _store = store;
        _logger = logger;
        _isAlive = isAlive;
        foreach (var replica in role.Replicas.Where(r => r != nodeId))
        {
            // Unknown (-1) until the follower's first fetch under this leadership, as in Kafka.
            _followerLogStartOffsets[replica] = -1;
        }

        var log = partition.Log;
        // What this replica knew to be on the whole ISR: as a follower it had it from the old leader, after a restart from the checkpoint.
        _tracker = new IsrTracker(nodeId, role.Replicas, role.Isr, log.StartingHighWatermark, log.LogEndOffset, time);
        log.SetReplicatedHighWatermark(_tracker.HighWatermark);
    }

    /// <summary>Signalled on every leader append, so followers' fetches waiting at the log end wake.</summary>
    public BroadcastSignal Appended { get; } = new();

    public long HighWatermark
    {
        get
        {
            lock (_lock)
            {
                return _tracker.HighWatermark;
            }
        }
    }

    /// <summary>A follower's log end offset as of its last fetch, -1 before its first.</summary>
    public long FollowerLogEndOffset(int replica)
    {
        lock (_lock)
        {
            return _tracker.FollowerLogEndOffset(replica);
        }
    }

    /// <summary>The leader appended up to <paramref name="logEndOffset"/>.</summary>
    public void OnLeaderAppend(long logEndOffset)
    {
        bool moved;
        lock (_lock)
        {
            moved = _tracker.OnLeaderAppend(logEndOffset);
        }

        Appended.Pulse();
        if (moved)
        {
            Publish();
        }
    }

    /// <summary>
    /// Kafka's low watermark: the smallest log start offset of this replica and of the followers on live brokers, as
    /// their fetches last reported them: records below it are gone from every replica on a live broker.
    /// </summary>
    private long LowWatermark
    {
        get
        {
            lock (_lock)
            {
                var lowWatermark = _partition.Log.LogStartOffset;
                foreach (var (replica, logStartOffset) in _followerLogStartOffsets)
                {
                    if (logStartOffset < lowWatermark && _isAlive(replica))
                    {
                        lowWatermark = logStartOffset;
                    }
                }

                return lowWatermark;
            }
        }
    }

    /// <summary>
    /// Follower <paramref name="replica"/> fetched from <paramref name="fetchOffset"/>: it holds everything before it,
    /// and nothing before <paramref name="logStartOffset"/> (-1: a fetch version that does not say).
    /// </summary>
    public void OnFollowerFetch(int replica, long fetchOffset, long logStartOffset)
    {
        bool moved;
        var logStartMoved = false;
        IReadOnlyList<int>? expanded = null;
        lock (_lock)
        {
            if (logStartOffset >= 0 && _followerLogStartOffsets.TryGetValue(replica, out var known) && known != logStartOffset)
            {
                _followerLogStartOffsets[replica] = logStartOffset;
                logStartMoved = true;
            }

            (moved, var join) = _tracker.OnFollowerFetch(replica, fetchOffset);
            if (join && !_isrChangeInFlight && _resigned is null)
            {
                expanded = [.. _tracker.Isr, replica];
                BeginIsrChange(expanded);
            }
        }

        if (moved)
        {
            Publish();
        }

        if (logStartMoved)
        {
            _lowWatermarkInputsChanged.Pulse();
        }

        if (expanded is not null)
        {
            _ = WriteIsrAsync(expanded);
        }
    }

    /// <summary>Brokers joined or left the cluster: a follower on a broker gone no longer holds the low watermark back.</summary>
    public void OnLiveBrokersChanged() => _lowWatermarkInputsChanged.Pulse();

    /// <summary>
    /// DeleteRecords' wait (Kafka's DelayedDeleteRecords): completes with the <see cref="LowWatermark"/> once it reaches
    /// <paramref name="offset"/>, so no replica that could lead still has the records deleted; faults with
    /// NOT_LEADER_OR_FOLLOWER if leadership is lost first. <paramref name="cancellationToken"/> is the request's timeout.
    /// </summary>
    public async Task<long> WaitForLowWatermarkAsync(long offset, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The signal first, then the check: a change in between completes the task taken.
            var changed = _lowWatermarkInputsChanged.NextPulse;
            LogException? resigned;
            lock (_lock)
            {
                resigned = _resigned;
            }

            if (resigned is not null)
            {
                throw resigned;
            }

            var lowWatermark = LowWatermark;
            if (lowWatermark >= offset)
            {
                return lowWatermark;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes ISR members not caught up for <paramref name="maxLag"/> (<c>replica.lag.time.max.ms</c>), through the store.</summary>
    public void ShrinkIsrIfLagging(TimeSpan maxLag)
    {
        IReadOnlyList<int>? shrunk = null;
        lock (_lock)
        {
            if (_isrChangeInFlight || _resigned is not null)
            {
                return;
            }

            var lagging = _tracker.LaggingReplicas(maxLag);
            if (lagging.Count > 0)
            {
                shrunk = [.. _tracker.Isr.Except(lagging)];
                BeginIsrChange(shrunk);
            }
        }

        if (shrunk is not null)
        {
            _ = WriteIsrAsync(shrunk);
        }
    }

    /// <summary>
    /// The controller published a role of the same leadership (an ISR change, ours or its own). It becomes the
    /// partition's role here, under the lock the answer to our own ISR write takes too, so neither sets back the other.
    /// </summary>
    public void OnRoleUpdated(PartitionRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        bool moved;
        lock (_lock)
        {
            if (role.PartitionEpoch <= _partition.Role.PartitionEpoch)
            {
                return;
            }

            _partition.Role = role;
            // The store's watch may bring our own change back before the write's answer does: the role is the
            // store's state, so holding the old ISR until the answer would let a producer that already sees the
            // new ISR in the metadata append under the old one (and get NOT_ENOUGH_REPLICAS_AFTER_APPEND).
            var ours = _tracker.PendingIsr is { } pending && pending.Count == role.Isr.Count && pending.All(role.Isr.Contains);
            moved = (!_isrChangeInFlight || ours) && !_tracker.Isr.SequenceEqual(role.Isr) && _tracker.Accept(role.Isr);
        }

        if (moved)
        {
            Publish();
        }
    }

    /// <summary>Completes once the high watermark reaches <paramref name="endOffset"/>; fails if leadership is lost first.</summary>
    public Task WaitForHighWatermarkAsync(long endOffset)
    {
        lock (_lock)
        {
            if (_resigned is { } resigned)
            {
                return Task.FromException(resigned);
            }

            if (_tracker.HighWatermark >= endOffset)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, endOffset);
            return waiter.Task;
        }
    }

    /// <summary>Leadership moved away (or the replica was removed): waiting acks=all appends fail with NOT_LEADER_OR_FOLLOWER.</summary>
    public void Resign()
    {
        List<TaskCompletionSource> waiting;
        var error = new LogException(ErrorCode.NotLeaderOrFollower, $"This broker no longer leads {_partition.Topic.Name}-{_partition.Index}.");
        lock (_lock)
        {
            _resigned = error;
            waiting = [.. _waiters.UnorderedItems.Select(w => w.Element)];
            _waiters.Clear();
        }

        foreach (var waiter in waiting)
        {
            waiter.TrySetException(error);
        }

        Appended.Pulse();
        _lowWatermarkInputsChanged.Pulse();
    }

    private void BeginIsrChange(IReadOnlyList<int> isr)
    {
        _isrChangeInFlight = true;
        _tracker.Propose(isr);
    }

    private async Task WriteIsrAsync(IReadOnlyList<int> isr)
    {
        var role = _partition.Role;
        PartitionRole? accepted = null;
        try
        {
            accepted = await _store.TryAlterIsrAsync(_partition.Topic.Name, _partition.Index, role, isr, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store is unreachable: the proposal is dropped and retried by the next fetch or lag check.
            LogIsrChangeFailed(e, _partition.Topic.Name, _partition.Index);
        }

        bool moved;
        lock (_lock)
        {
            _isrChangeInFlight = false;
            if (accepted is not null && _resigned is null && accepted.PartitionEpoch > _partition.Role.PartitionEpoch)
            {
                _partition.Role = accepted;
                moved = _tracker.Accept(accepted.Isr);
            }
            else
            {
                // Refused: the controller changed the state first. Or accepted, and the store's watch brought that
                // state (or a newer one) first, which must not be set back. Either way the role is the truth.
                _tracker.Refuse();
                moved = _resigned is null && !_tracker.Isr.SequenceEqual(_partition.Role.Isr) && _tracker.Accept(_partition.Role.Isr);
            }
        }

        if (accepted is not null)
        {
            LogIsrChanged(_partition.Topic.Name, _partition.Index, role.Isr, accepted.Isr, accepted.PartitionEpoch);
        }

        if (moved)
        {
            Publish();
        }
    }

    /// <summary>Hands the high watermark to the log (waking consumers) and completes the acks=all appends it covers (outside the lock).</summary>
    private void Publish()
    {
        List<TaskCompletionSource>? done = null;
        long highWatermark;
        lock (_lock)
        {
            highWatermark = _tracker.HighWatermark;
            while (_waiters.TryPeek(out var waiter, out var offset) && offset <= highWatermark)
            {
                _waiters.Dequeue();
                (done ??= []).Add(waiter);
            }

            // Under the lock, so two publishers can never set it back (readers' wakeups run asynchronously).
            _partition.Log.SetReplicatedHighWatermark(highWatermark);
        }

        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "ISR of {Topic}-{Partition} changed from [{From}] to [{To}] (partition epoch {PartitionEpoch})")]
    private partial void LogIsrChanged(string topic, int partition, IReadOnlyList<int> from, IReadOnlyList<int> to, int partitionEpoch);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "Could not record an ISR change of {Topic}-{Partition}")]
    private partial void LogIsrChangeFailed(Exception exception, string topic, int partition);
}
