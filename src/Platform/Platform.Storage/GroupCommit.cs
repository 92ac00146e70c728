namespace Platform.Storage;

/// <summary>
/// Group commit of one partition for durable acks (write.caching=false): producers waiting for their
/// offsets to reach the disk register here, and one flusher at a time syncs the log up to its end as
/// it is at the start of each round, then completes every waiter at or below the synced offset.
/// Whoever arrives during a round is covered by the next one, so one fsync serves every producer
/// waiting on the partition, and no request-handling thread ever blocks on a disk. Each partition has
/// its own flusher on the thread pool, so the fsyncs of different partitions overlap.
/// </summary>
internal sealed class GroupCommit(PartitionLog log)
{
    private readonly Lock _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private bool _requested;
    private bool _running;
    private Exception? _failure;

    /// <summary>Completes once every offset below <paramref name="endOffset"/> is fsynced; faults if the log goes offline or closes first.</summary>
    public Task WaitAsync(long endOffset)
    {
        lock (_lock)
        {
            if (log.DurableOffset >= endOffset)
            {
                return Task.CompletedTask;
            }

            if (_failure is not null)
            {
                return Task.FromException(Failure(_failure));
            }

            // Continuations run on the pool, not on the flusher, which goes straight to its next round.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((endOffset, done));
            RequestLocked();
            return done.Task;
        }
    }

    /// <summary>Asks for a round without waiting for it (appends with write.caching=false, so the high watermark follows).</summary>
    public void Request()
    {
        lock (_lock)
        {
            if (_failure is null)
            {
                RequestLocked();
            }
        }
    }

    /// <summary>
    /// No more rounds (the log went offline or closed): waiters already covered by a sync succeed, the
    /// others fail with <paramref name="failure"/>.
    /// </summary>
    public void Fail(Exception failure)
    {
        List<(long Offset, TaskCompletionSource Done)> waiters;
        lock (_lock)
        {
            _failure ??= failure;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        var durable = log.DurableOffset;
        foreach (var (offset, done) in waiters)
        {
            if (offset <= durable)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(Failure(failure));
            }
        }
    }

    private static Exception Failure(Exception failure)
        => failure is StorageException storage ? new StorageException(storage.Message, storage.InnerException) : failure;

    private void RequestLocked()
    {
        _requested = true;
        if (!_running)
        {
            _running = true;
            ThreadPool.UnsafeQueueUserWorkItem(static commit => commit.Run(), this, preferLocal: false);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_lock)
            {
                if (!_requested || _failure is not null)
                {
                    _running = false;
                    return;
                }

                _requested = false;
            }

            Exception? error = null;
            try
            {
                log.SyncData(log.LogEndOffset);
            }
            catch (Exception e)
            {
                // Offline (StorageException) or closed (ObjectDisposedException): the log has failed the
                // waiters through Fail already, or does when it closes; nothing more to sync.
                error = e;
            }

            CompleteCovered(error);
        }
    }

    private void CompleteCovered(Exception? error)
    {
        List<TaskCompletionSource>? done = null;
        List<TaskCompletionSource>? failed = null;
        var durable = log.DurableOffset;
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (offset, waiter) = _waiters[i];
                if (offset <= durable)
                {
                    (done ??= []).Add(waiter);
                    _waiters.RemoveAt(i);
                }
                else if (error is not null)
                {
                    (failed ??= []).Add(waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }

        foreach (var waiter in failed ?? [])
        {
            waiter.TrySetException(Failure(error!));
        }
    }
}
