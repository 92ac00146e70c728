namespace Platform.Broker.Cluster;

/// <summary>
/// Wakes every waiter once per <see cref="Pulse"/>. A waiting Fetch awaits it instead of polling, so
/// long polls cost nothing until data arrives. Waiters take <see cref="NextPulse"/> first and check
/// their condition after, so a pulse between the two is never missed.
/// </summary>
public sealed class AsyncSignal
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
            Volatile.Write(ref _armed, 1);
            return task;
        }
    }

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
