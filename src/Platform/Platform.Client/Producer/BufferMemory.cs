namespace Platform.Client.Producer;

/// <summary>
/// Accounts <c>buffer.memory</c>: every batch reserves its size before it is created and releases it
/// when its records are delivered or failed. The bytes themselves come from the array pool; this
/// bounds them.
/// </summary>
/// <remarks>
/// A record that needs a new batch when memory is short waits in one first-come first-served queue,
/// blocking its thread (<see cref="Wait"/>: <c>Produce</c>, as in Kafka) or not (<see cref="WaitAsync"/>:
/// <c>ProduceAsync</c>). Whoever frees memory appends the waiting records, in queue order, under this
/// object's lock (<see cref="MemoryWaiter.TryProceed"/>), so a record that waited can never be overtaken
/// by one that waited behind it, and the first of them fills the new batch for the others. While any
/// record waits, newcomers queue behind it (<see cref="TryReserveNow"/> says no).
/// Waiting records are let go only once a sixteenth of the buffer is free: a producer that filled the
/// buffer then appends a run of batches per wake-up instead of one (a thread hand-off per batch).
/// </remarks>
internal sealed class BufferMemory(long total)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<MemoryWaiter> _waiters = [];
    private readonly long _resumeAt = Math.Max(1, total / 16);
    private long _available = total;
    private int _waiting;

    public long Total { get; } = total;

    public long Available => Volatile.Read(ref _available);

    /// <summary>Records waiting for memory.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Reserves <paramref name="bytes"/> when nobody waits and they are there; false when the caller must wait.</summary>
    public bool TryReserveNow(int bytes) => Volatile.Read(ref _waiting) == 0 && TryTake(bytes);

    /// <summary>Blocks until <paramref name="waiter"/> proceeded (true) or <paramref name="deadlineTicks"/> passed (false).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before the record was appended.</exception>
    public bool Wait(MemoryWaiter waiter, long deadlineTicks, CancellationToken cancellationToken)
    {
        if (!Enqueue(waiter))
        {
            return true;
        }

        try
        {
            return waiter.Task.Wait(Remaining(deadlineTicks), cancellationToken) || !Withdraw(waiter);
        }
        catch (OperationCanceledException)
        {
            if (Withdraw(waiter))
            {
                throw;
            }

            // Appended just as the token fired: the record is on its way, as if the token came later.
            return true;
        }
    }

    /// <summary>
    /// Completes when <paramref name="waiter"/> proceeded (true) or <paramref name="deadlineTicks"/>
    /// passed (false), holding no thread meanwhile.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before the record was appended.</exception>
    public async ValueTask<bool> WaitAsync(MemoryWaiter waiter, long deadlineTicks, CancellationToken cancellationToken)
    {
        if (!Enqueue(waiter))
        {
            return true;
        }

        try
        {
            await waiter.Task.WaitAsync(Remaining(deadlineTicks), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return !Withdraw(waiter);
        }
        catch (OperationCanceledException)
        {
            if (Withdraw(waiter))
            {
                throw;
            }

            return true;
        }
    }

    /// <summary>Gives back memory a batch held, and lets waiting records use it.</summary>
    public void Release(int bytes)
    {
        var available = Interlocked.Add(ref _available, bytes);

        // Interlocked.Add is a full fence: a waiter that enqueues after it finds the memory when it
        // tries under the lock; one that enqueued before it is seen here. Once everything is
        // delivered all of the buffer is free, so a waiter always goes on in the end.
        if (available >= _resumeAt && Volatile.Read(ref _waiting) > 0)
        {
            lock (_lock)
            {
                ProceedWaiting();
            }
        }
    }

    /// <summary>Takes <paramref name="bytes"/> if available, queue or no queue: for a waiter's <see cref="MemoryWaiter.TryProceed"/>.</summary>
    public bool TryTake(int bytes)
    {
        var available = Volatile.Read(ref _available);
        while (available >= bytes)
        {
            var seen = Interlocked.CompareExchange(ref _available, available - bytes, available);
            if (seen == available)
            {
                return true;
            }

            available = seen;
        }

        return false;
    }

    /// <summary>Puts back bytes a waiter took and did not need, without waking anyone: the lock holder goes on with the queue.</summary>
    public void Untake(int bytes) => Interlocked.Add(ref _available, bytes);

    /// <summary>Queues <paramref name="waiter"/>; false when it could proceed at once (nobody before it, memory there).</summary>
    private bool Enqueue(MemoryWaiter waiter)
    {
        lock (_lock)
        {
            Interlocked.Increment(ref _waiting);
            if (_waiters.Count == 0 && waiter.TryProceed())
            {
                Interlocked.Decrement(ref _waiting);
                return false;
            }

            waiter.Node = _waiters.AddLast(waiter);
            return true;
        }
    }

    /// <summary>Lets waiting records proceed in order until the first one cannot (under the lock).</summary>
    private void ProceedWaiting()
    {
        while (_waiters.First is { } first && first.Value.TryProceed())
        {
            _waiters.RemoveFirst();
            first.Value.Node = null;
            Interlocked.Decrement(ref _waiting);

            // Continuations run asynchronously: a producer's code never runs under this lock.
            first.Value.TrySetResult();
        }
    }

    /// <summary>Takes a waiter that timed out or was cancelled out of the queue; false when it had already proceeded.</summary>
    private bool Withdraw(MemoryWaiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node is not { } node)
            {
                return false;
            }

            var wasFirst = node.Previous is null;
            _waiters.Remove(node);
            waiter.Node = null;
            Interlocked.Decrement(ref _waiting);
            if (wasFirst)
            {
                // A large record may have held back the ones behind it.
                ProceedWaiting();
            }

            return true;
        }
    }

    private static TimeSpan Remaining(long deadlineTicks) => TimeSpan.FromMilliseconds(Math.Max(0, deadlineTicks - Environment.TickCount64));
}

/// <summary>A record waiting in <see cref="BufferMemory"/>'s queue; completed once it proceeded.</summary>
internal abstract class MemoryWaiter() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>Its place in the queue; null once it proceeded or was withdrawn (under the buffer's lock).</summary>
    public LinkedListNode<MemoryWaiter>? Node { get; set; }

    /// <summary>
    /// Called under the buffer's lock when first in line: appends the record to its partition's last
    /// batch, or to a new one if its memory can be taken (<see cref="BufferMemory.TryTake"/>). False to go on waiting.
    /// </summary>
    public abstract bool TryProceed();
}
