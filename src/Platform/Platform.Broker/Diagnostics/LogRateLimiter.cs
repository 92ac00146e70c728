namespace Platform.Broker.Diagnostics;

/// <summary>
/// Lets one log line per key through per interval and counts the rest, so a failure that repeats on
/// every request (a full disk, accept failing on EMFILE, a client sending garbage in a loop) writes a
/// line every few seconds saying how many were left out, instead of thousands of stack traces.
/// Keys name the failure (event and exception type, say), not the occurrence.
/// </summary>
public sealed class LogRateLimiter
{
    /// <summary>How many distinct keys are remembered; past this the oldest windows are forgotten.</summary>
    private const int MaxKeys = 1024;

    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <param name="time">The clock.</param>
    /// <param name="interval">At most one line per key in this time.</param>
    public LogRateLimiter(TimeProvider time, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time;
        _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The broker's: one line per failure every 10 seconds.</summary>
    public LogRateLimiter(TimeProvider time)
        : this(time, TimeSpan.FromSeconds(10))
    {
    }

    /// <summary>
    /// True when a line for <paramref name="key"/> should be written now; <paramref name="suppressed"/>
    /// is then how many were left out since the last one written.
    /// </summary>
    public bool ShouldLog(string key, out long suppressed)
    {
        var now = _time.GetTimestamp();
        lock (_windows)
        {
            if (_windows.TryGetValue(key, out var window) && now - window.Start < _intervalTicks)
            {
                window.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = window?.Suppressed ?? 0;
            if (window is null)
            {
                if (_windows.Count >= MaxKeys)
                {
                    Forget(now);
                }

                _windows[key] = new Window { Start = now };
            }
            else
            {
                window.Start = now;
                window.Suppressed = 0;
            }

            return true;
        }
    }

    private void Forget(long now)
    {
        foreach (var (key, window) in _windows)
        {
            if (now - window.Start >= _intervalTicks)
            {
                _windows.Remove(key);
            }
        }

        if (_windows.Count >= MaxKeys)
        {
            // Every window is fresh: a flood of distinct keys. Start over rather than grow without bound.
            _windows.Clear();
        }
    }

    private sealed class Window
    {
        public long Start { get; set; }

        public long Suppressed { get; set; }
    }
}
