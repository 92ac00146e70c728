using Platform.Broker.Cluster;

namespace Platform.Broker.Tests.Cluster;

public sealed class AsyncSignalTests
{
    [Fact]
    public void NextPulse_PulseAfterTakingIt_CompletesIt()
    {
        var signal = new AsyncSignal();
        var first = signal.NextPulse;
        signal.Pulse();
        var second = signal.NextPulse;

        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted);
        signal.Pulse();
        Assert.True(second.IsCompleted);
    }
}
