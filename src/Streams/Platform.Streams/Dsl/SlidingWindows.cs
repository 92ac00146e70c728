namespace Platform.Streams.Dsl;

/// <summary>
/// Record-aligned windows of a fixed time difference (Kafka Streams' <c>SlidingWindows</c>): two records are in a
/// common window when their timestamps differ by at most the time difference. Windows are created only where
/// the set of records they contain changes: a window ending at each record ([t - difference, t]) and one starting
/// just after it ([t + 1, t + 1 + difference]) when it is not empty. Both bounds are inclusive.
/// </summary>
public sealed class SlidingWindows : IEquatable<SlidingWindows>
{
    private SlidingWindows(long timeDifferenceMs, long graceMs)
    {
        TimeDifferenceMs = timeDifferenceMs;
        GracePeriodMs = graceMs;
    }

    /// <summary>The largest timestamp difference of records in one window, in ms (the window size).</summary>
    public long TimeDifferenceMs { get; }

    /// <summary>How long after a window ends (in stream time) records for it are still accepted, in ms.</summary>
    public long GracePeriodMs { get; }

    /// <summary>Sliding windows that accept no record after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeDifference"/> is not a positive whole number of ms.</exception>
    public static SlidingWindows OfTimeDifferenceWithNoGrace(TimeSpan timeDifference) =>
        OfTimeDifferenceAndGrace(timeDifference, TimeSpan.Zero);

    /// <summary>Sliding windows that accept out-of-order records until <paramref name="grace"/> after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, zero (time difference) or not a whole number of ms.</exception>
    public static SlidingWindows OfTimeDifferenceAndGrace(TimeSpan timeDifference, TimeSpan grace) =>
        new(WindowDurations.ToPositiveMs(timeDifference, nameof(timeDifference)), WindowDurations.ToMs(grace, nameof(grace)));

    /// <inheritdoc/>
    public bool Equals(SlidingWindows? other) =>
        other is not null && TimeDifferenceMs == other.TimeDifferenceMs && GracePeriodMs == other.GracePeriodMs;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SlidingWindows other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TimeDifferenceMs, GracePeriodMs);

    /// <inheritdoc/>
    public override string ToString() => $"SlidingWindows{{timeDifference={TimeDifferenceMs}ms, grace={GracePeriodMs}ms}}";
}
