namespace Platform.Client.Internal.Producer;

/// <summary>
/// Accounts <c>buffer.memory</c>: every batch reserves its size before it is created and releases it
/// when its records are delivered or failed. A producer that runs out blocks until memory is
/// released or its deadline passes. The bytes themselves come from the array pool; this bounds them.
/// </summary>
internal sealed class BufferMemory(long total)
{
    // Monitor.Wait/PulseAll need a plain object; System.Threading.Lock has no condition variable.
    private readonly object _lock = new();
    private long _available = total;
    private int _waiters;

    public long Total { get; } = total;

    public long Available => Volatile.Read(ref _available);

    /// <summary>Reserves <paramref name="bytes"/>, waiting until <paramref name="deadlineTicks"/>; false when time ran out.</summary>
    public bool TryReserve(int bytes, long deadlineTicks, CancellationToken cancellationToken)
    {
        if (TryTake(bytes))
        {
            return true;
        }

        lock (_lock)
        {
            _waiters++;
            try
            {
                while (!TryTake(bytes))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var remaining = deadlineTicks - Environment.TickCount64;
                    if (remaining <= 0)
                    {
                        return false;
                    }

                    // Short slices so cancellation is noticed.
                    Monitor.Wait(_lock, (int)Math.Min(remaining, 50));
                }

                return true;
            }
            finally
            {
                _waiters--;
            }
        }
    }

    public void Release(int bytes)
    {
        Interlocked.Add(ref _available, bytes);
        if (Volatile.Read(ref _waiters) > 0)
        {
            lock (_lock)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    private bool TryTake(int bytes)
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
}
