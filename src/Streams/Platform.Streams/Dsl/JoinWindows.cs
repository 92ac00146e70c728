namespace Platform.Streams.Dsl;

/// <summary>
/// The windows of a stream-stream join (Kafka Streams' <c>JoinWindows</c>): a record of the left stream with
/// timestamp <c>t</c> joins the right stream's records of the same key with timestamps in
/// <c>[t - Before, t + After]</c>. Records arriving more than the grace period after their window closed (in
/// stream time) are dropped; left and outer joins emit a record without a partner only once its window has
/// closed, so no result is emitted that a later partner would have contradicted.
/// </summary>
public sealed class JoinWindows
{
    private JoinWindows(long beforeMs, long afterMs, long graceMs)
    {
        if (beforeMs + afterMs < 0)
        {
            throw new ArgumentException($"Join window interval (before {beforeMs} ms + after {afterMs} ms) must not be negative.");
        }

        BeforeMs = beforeMs;
        AfterMs = afterMs;
        GracePeriodMs = graceMs;
    }

    /// <summary>How far before a left record's timestamp a right record may be, in ms.</summary>
    public long BeforeMs { get; }

    /// <summary>How far after a left record's timestamp a right record may be, in ms.</summary>
    public long AfterMs { get; }

    /// <summary>How long after a window closes (in stream time) late records are still joined, in ms.</summary>
    public long GracePeriodMs { get; }

    /// <summary>The span of the window: <see cref="BeforeMs"/> + <see cref="AfterMs"/>.</summary>
    public long SizeMs => BeforeMs + AfterMs;

    /// <summary>Records join when their timestamps differ by at most <paramref name="timeDifference"/>; late records are accepted for <paramref name="afterWindowEnd"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative duration or a fraction of a millisecond.</exception>
    public static JoinWindows OfTimeDifferenceAndGrace(TimeSpan timeDifference, TimeSpan afterWindowEnd)
    {
        var difference = NonNegativeMs(timeDifference, nameof(timeDifference));
        return new JoinWindows(difference, difference, NonNegativeMs(afterWindowEnd, nameof(afterWindowEnd)));
    }

    /// <summary>Records join when their timestamps differ by at most <paramref name="timeDifference"/>; no grace for late records.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative duration or a fraction of a millisecond.</exception>
    public static JoinWindows OfTimeDifferenceWithNoGrace(TimeSpan timeDifference) => OfTimeDifferenceAndGrace(timeDifference, TimeSpan.Zero);

    /// <summary>A copy in which right records may be at most <paramref name="timeDifference"/> earlier than the left one (may be negative if <see cref="AfterMs"/> covers it).</summary>
    /// <exception cref="ArgumentException">Before + after would be negative.</exception>
    public JoinWindows Before(TimeSpan timeDifference) => new(WholeMs(timeDifference, nameof(timeDifference)), AfterMs, GracePeriodMs);

    /// <summary>A copy in which right records may be at most <paramref name="timeDifference"/> later than the left one (may be negative if <see cref="BeforeMs"/> covers it).</summary>
    /// <exception cref="ArgumentException">Before + after would be negative.</exception>
    public JoinWindows After(TimeSpan timeDifference) => new(BeforeMs, WholeMs(timeDifference, nameof(timeDifference)), GracePeriodMs);

    /// <inheritdoc/>
    public override string ToString() => $"JoinWindows{{before={BeforeMs}, after={AfterMs}, grace={GracePeriodMs}}}";

    private static long NonNegativeMs(TimeSpan value, string name)
        => value >= TimeSpan.Zero ? WholeMs(value, name) : throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");

    // Before/After may be negative (a window entirely after or before the record), so only whole ms are checked.
    private static long WholeMs(TimeSpan value, string name)
        => value.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? value.Ticks / TimeSpan.TicksPerMillisecond
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a whole number of milliseconds.");
}
