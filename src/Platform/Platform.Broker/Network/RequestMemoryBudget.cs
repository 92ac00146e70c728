namespace Platform.Broker.Network;

/// <summary>
/// <c>queued.max.request.bytes</c>: request bytes that all connections together may hold, from the
/// moment a frame's size is read until its request is answered. A connection that cannot reserve
/// its next frame stops reading until earlier requests give their bytes back; waiters are served
/// first come, first served, so a large frame is not starved by a stream of small ones. A frame
/// larger than the whole budget is admitted when nothing else is in flight, as Kafka's memory pool
/// does, so every frame within socket.request.max.bytes can be served.
/// </summary>
public sealed class RequestMemoryBudget
{
    private readonly long _limit;
    private readonly Queue<Waiter> _waiters = new();
    private long _inFlight;

    /// <param name="limit">Bytes; -1 (or any negative value) is unbounded.</param>
    public RequestMemoryBudget(long limit) => _limit = limit < 0 ? long.MaxValue : limit;

    /// <summary>Request bytes reserved now.</summary>
    public long InFlight
    {
        get
        {
            lock (_waiters)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Connections waiting for bytes (not reading) now.</summary>
    public int Waiting
    {
        get
        {
            lock (_waiters)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Reserves <paramref name="bytes"/>, waiting while the budget is spent.</summary>
    public ValueTask ReserveAsync(int bytes, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_waiters)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                _inFlight += bytes;
                return ValueTask.CompletedTask;
            }

            waiter = new Waiter(bytes);
            _waiters.Enqueue(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private async ValueTask WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() => Cancel(waiter)).ConfigureAwait(false);
        await waiter.Granted.Task.ConfigureAwait(false);
    }

    /// <summary>Gives back bytes from <see cref="ReserveAsync"/> and admits the waiters that now fit.</summary>
    public void Release(int bytes)
    {
        List<Waiter>? admitted = null;
        lock (_waiters)
        {
            _inFlight -= bytes;
            while (_waiters.TryPeek(out var next) && Fits(next.Bytes))
            {
                _waiters.Dequeue();
                _inFlight += next.Bytes;
                (admitted ??= []).Add(next);
            }
        }

        // Completed outside the lock: continuations may run inline (RunContinuationsAsynchronously
        // makes that unlikely) and must not re-enter it.
        if (admitted is not null)
        {
            foreach (var waiter in admitted)
            {
                waiter.Granted.TrySetResult();
            }
        }
    }

    private bool Fits(int bytes) => _inFlight == 0 || _inFlight + bytes <= _limit;

    private void Cancel(Waiter waiter)
    {
        bool removed;
        lock (_waiters)
        {
            var count = _waiters.Count;
            for (var i = 0; i < count; i++)
            {
                var queued = _waiters.Dequeue();
                if (!ReferenceEquals(queued, waiter))
                {
                    _waiters.Enqueue(queued);
                }
            }

            removed = _waiters.Count < count;
        }

        if (removed)
        {
            waiter.Granted.TrySetCanceled();
            // The one that left may have blocked the head of the queue.
            Release(0);
        }
    }

    private sealed class Waiter(int bytes)
    {
        public int Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
