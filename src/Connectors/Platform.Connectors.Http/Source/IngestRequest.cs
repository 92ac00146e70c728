namespace Platform.Connectors.Http.Source;

/// <summary>One POST waiting for the broker to acknowledge each of its records.</summary>
internal sealed class IngestRequest(int records)
{
    private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining = records;
    private int _dropped;

    public int Records { get; } = records;

    /// <summary>Completes with the number of records dropped by transformations or tolerated errors.</summary>
    public Task<int> Completion => _done.Task;

    public void Acknowledge(bool written)
    {
        if (!written)
        {
            Interlocked.Increment(ref _dropped);
        }

        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult(Volatile.Read(ref _dropped));
        }
    }

    public void Fail(Exception reason) => _done.TrySetException(reason);
}
