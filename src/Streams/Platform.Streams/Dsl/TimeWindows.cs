using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>
/// Fixed-size windows aligned to the epoch: tumbling when the advance equals the size, hopping (overlapping)
/// when it is smaller. A window covers [start, start + size); a record is late once stream time has passed the
/// window's end plus the grace period.
/// </summary>
/// <example><code>TimeWindows.OfSizeAndGrace(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10)).AdvanceBy(TimeSpan.FromMinutes(1))</code></example>
public sealed class TimeWindows : Windows, IEquatable<TimeWindows>
{
    private TimeWindows(long sizeMs, long advanceMs, long graceMs)
    {
        SizeMs = sizeMs;
        AdvanceMs = advanceMs;
        GracePeriodMs = graceMs;
    }

    /// <inheritdoc/>
    public override long SizeMs { get; }

    /// <summary>The distance between the starts of consecutive windows in ms (= <see cref="SizeMs"/> for tumbling windows).</summary>
    public long AdvanceMs { get; }

    /// <inheritdoc/>
    public override long GracePeriodMs { get; }

    /// <summary>Tumbling windows of <paramref name="size"/> that accept no record after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not a positive whole number of ms.</exception>
    public static TimeWindows OfSizeWithNoGrace(TimeSpan size) => OfSizeAndGrace(size, TimeSpan.Zero);

    /// <summary>Tumbling windows of <paramref name="size"/> that accept out-of-order records until <paramref name="grace"/> after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, zero (size) or not a whole number of ms.</exception>
    public static TimeWindows OfSizeAndGrace(TimeSpan size, TimeSpan grace)
    {
        var sizeMs = WindowDurations.ToPositiveMs(size, nameof(size));
        return new TimeWindows(sizeMs, sizeMs, WindowDurations.ToMs(grace, nameof(grace)));
    }

    /// <summary>Hopping windows: a new window starts every <paramref name="advance"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advance"/> is not positive or exceeds the size.</exception>
    public TimeWindows AdvanceBy(TimeSpan advance)
    {
        var advanceMs = WindowDurations.ToPositiveMs(advance, nameof(advance));
        return advanceMs <= SizeMs
            ? new TimeWindows(SizeMs, advanceMs, GracePeriodMs)
            : throw new ArgumentOutOfRangeException(nameof(advance), advance, $"advance must not exceed the window size ({SizeMs} ms).");
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Window> WindowsFor(long timestamp)
    {
        // The first window that still contains the timestamp, aligned to the advance; windows never start before 0.
        var start = Math.Max(0, timestamp - SizeMs + AdvanceMs) / AdvanceMs * AdvanceMs;
        var windows = new List<Window>((int)Math.Min(SizeMs / AdvanceMs + 1, 1024));
        for (; start <= timestamp; start += AdvanceMs)
        {
            windows.Add(new Window(start, start + SizeMs));
        }

        return windows;
    }

    /// <inheritdoc/>
    public bool Equals(TimeWindows? other) =>
        other is not null && SizeMs == other.SizeMs && AdvanceMs == other.AdvanceMs && GracePeriodMs == other.GracePeriodMs;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimeWindows other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SizeMs, AdvanceMs, GracePeriodMs);

    /// <inheritdoc/>
    public override string ToString() => $"TimeWindows{{size={SizeMs}ms, advance={AdvanceMs}ms, grace={GracePeriodMs}ms}}";
}
