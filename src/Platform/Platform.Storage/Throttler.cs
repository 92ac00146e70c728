using System.Diagnostics;

namespace Platform.Storage;

/// <summary>
/// Holds a stream of work to a rate (Kafka's cleaner Throttler, <c>log.cleaner.io.max.bytes.per.second</c>):
/// callers report the bytes they moved and sleep when they are ahead of the allowance. Shared by every
/// cleaner thread, so the limit holds for the cleaner as a whole.
/// </summary>
public sealed class Throttler
{
    private readonly double _bytesPerSecond;
    private readonly Lock _lock = new();
    private readonly Stopwatch _window = Stopwatch.StartNew();
    private long _bytesInWindow;

    /// <param name="bytesPerSecond">The allowance; <see cref="double.MaxValue"/> (Kafka's default) never sleeps.</param>
    public Throttler(double bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        _bytesPerSecond = bytesPerSecond;
    }

    /// <summary>True if the allowance can ever make a caller wait.</summary>
    public bool IsLimited => _bytesPerSecond < double.MaxValue;

    /// <summary>Counts <paramref name="bytes"/> and sleeps as long as the caller is ahead of the allowance.</summary>
    public void MaybeThrottle(long bytes)
    {
        if (!IsLimited)
        {
            return;
        }

        TimeSpan sleep;
        lock (_lock)
        {
            _bytesInWindow += bytes;
            var elapsed = _window.Elapsed.TotalSeconds;
            var due = _bytesInWindow / _bytesPerSecond;
            sleep = TimeSpan.FromSeconds(Math.Max(0, due - elapsed));
            if (elapsed > 1 && sleep == TimeSpan.Zero)
            {
                // A fresh window after an idle spell, so time not used then is not spent as a burst now.
                _window.Restart();
                _bytesInWindow = 0;
            }
        }

        if (sleep > TimeSpan.Zero)
        {
            Thread.Sleep(sleep);
        }
    }
}
