namespace Platform.Broker.Cluster;

/// <summary>
/// A pulse that wakes every waiter at once: a long-poll Fetch awaits the signals of its partitions
/// instead of polling, so it costs nothing until data arrives. A waiter takes <see cref="NextPulse"/>
/// first and checks its condition after: a pulse before the check is seen by the check, one after it
/// completes the task taken, so none is lost.
/// </summary>
public sealed class BroadcastSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>A task that completes at the next pulse.</summary>
    public Task NextPulse
    {
        get
        {
            // The task first, then the arming: armed after reading, a pulse that swaps the task in between leaves
            // _armed set, so the next pulse completes the task taken. (The other order could take the new task
            // with the arming already spent, and no later pulse would complete it.)
            var task = Volatile.Read(ref _current).Task;

            // A full fence, not a volatile store: the caller's check of its condition must not be read before the
            // arming is visible (a store may pass a later load), or a pulse in between finds the signal unarmed and
            // returns while the check still reads the old state: the pulse is lost and the waiter sleeps its max.wait.
            Interlocked.Exchange(ref _armed, 1);
            return task;
        }
    }

    /// <summary>Completes every task taken from <see cref="NextPulse"/> so far; call it after changing what waiters check.</summary>
    public void Pulse()
    {
        // The hot path (appends with no fetch waiting) allocates nothing.
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return;
        }

        var previous = Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}
