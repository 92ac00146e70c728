namespace Platform.Streams.Processors.Internal;

/// <summary>Wall-clock time for punctuators and idling: the system clock at run time, a mock one in the test driver.</summary>
internal interface IClock
{
    /// <summary>Milliseconds since the epoch.</summary>
    long NowMs { get; }
}

/// <summary>The system clock.</summary>
internal sealed class SystemClock : IClock
{
    public static SystemClock Instance { get; } = new();

    public long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
