namespace Platform.Streams.Dsl;

/// <summary>Turns the <see cref="TimeSpan"/>s of window definitions into whole milliseconds, rejecting what Kafka rejects.</summary>
internal static class WindowDurations
{
    /// <summary>
    /// <paramref name="value"/> in ms. Windows work on millisecond timestamps, so a fraction of a millisecond would be
    /// silently lost: it is refused, as are negative values.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or not a whole number of milliseconds.</exception>
    public static long ToMs(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
        }

        if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a whole number of milliseconds.");
        }

        return value.Ticks / TimeSpan.TicksPerMillisecond;
    }

    /// <summary>Like <see cref="ToMs"/>, and also refuses zero.</summary>
    public static long ToPositiveMs(TimeSpan value, string name)
    {
        var ms = ToMs(value, name);
        return ms > 0 ? ms : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }
}
