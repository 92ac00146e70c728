using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Testing;

/// <summary>The driver's wall clock: moves only when the test advances it.</summary>
internal sealed class MockClock(long startMs) : IClock
{
    public long NowMs { get; set; } = startMs;
}
