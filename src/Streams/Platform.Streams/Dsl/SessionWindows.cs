namespace Platform.Streams.Dsl;

/// <summary>
/// Windows of activity per key (Kafka Streams' <c>SessionWindows</c>): records of a key closer than the
/// inactivity gap belong to one session, whose bounds are its first and last record's timestamps (both
/// inclusive). A record that bridges two sessions merges them.
/// </summary>
public sealed class SessionWindows : IEquatable<SessionWindows>
{
    private SessionWindows(long gapMs, long graceMs)
    {
        InactivityGapMs = gapMs;
        GracePeriodMs = graceMs;
    }

    /// <summary>The largest gap between records of one session, in ms.</summary>
    public long InactivityGapMs { get; }

    /// <summary>How long after a session ends (in stream time) records for it are still accepted, in ms.</summary>
    public long GracePeriodMs { get; }

    /// <summary>Sessions that accept no record after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inactivityGap"/> is not a positive whole number of ms.</exception>
    public static SessionWindows OfInactivityGapWithNoGrace(TimeSpan inactivityGap) =>
        OfInactivityGapAndGrace(inactivityGap, TimeSpan.Zero);

    /// <summary>Sessions that accept out-of-order records until <paramref name="grace"/> after they end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, zero (gap) or not a whole number of ms.</exception>
    public static SessionWindows OfInactivityGapAndGrace(TimeSpan inactivityGap, TimeSpan grace) =>
        new(WindowDurations.ToPositiveMs(inactivityGap, nameof(inactivityGap)), WindowDurations.ToMs(grace, nameof(grace)));

    /// <inheritdoc/>
    public bool Equals(SessionWindows? other) =>
        other is not null && InactivityGapMs == other.InactivityGapMs && GracePeriodMs == other.GracePeriodMs;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SessionWindows other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(InactivityGapMs, GracePeriodMs);

    /// <inheritdoc/>
    public override string ToString() => $"SessionWindows{{inactivityGap={InactivityGapMs}ms, grace={GracePeriodMs}ms}}";
}
