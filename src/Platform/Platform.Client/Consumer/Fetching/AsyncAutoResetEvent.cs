namespace Platform.Client.Consumer.Fetching;

/// <summary>
/// An auto-reset event for one waiter at a time: <see cref="Set"/> wakes the current waiter and
/// lets the next wait return at once, so no signal is lost between a check and a wait.
/// </summary>
internal sealed class AsyncAutoResetEvent
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiter;
    private bool _set;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;

            // Also when a waiter is woken: it may be a stale one that already timed out, and a
            // signal must not be lost. The cost is one spurious wake-up; waiters re-check their state.
            _set = true;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes when set, after <paramref name="timeout"/>, or on cancellation (without throwing).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }

            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // Infinite (-1 ms) is below zero too: it must wait, not return at once (Consume(CancellationToken) of a consumer
        // without a group spun a core on it while nothing came).
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            return Task.CompletedTask;
        }

        return WaitCoreAsync(waiter.Task, timeout, cancellationToken);
    }

    private static async Task WaitCoreAsync(Task signalled, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled)
        {
            await signalled.ConfigureAwait(false);
            return;
        }

        await signalled.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
