using Platform.Streams.State;

namespace Platform.Streams.Dsl;

/// <summary>
/// Fixed-size windows a record is assigned to by its timestamp (Kafka Streams' <c>Windows</c>): the base of
/// <see cref="TimeWindows"/> and of the join windows.
/// </summary>
public abstract class Windows
{
    /// <summary>The size of each window in ms.</summary>
    public abstract long SizeMs { get; }

    /// <summary>How long after a window ends (in stream time) records for it are still accepted, in ms.</summary>
    public abstract long GracePeriodMs { get; }

    /// <summary>The windows that contain <paramref name="timestamp"/>, by ascending start.</summary>
    public abstract IReadOnlyList<Window> WindowsFor(long timestamp);
}
