using Platform.Client.Consumer.Fetching;

namespace Platform.Client.Tests.Consumer;

public sealed class AsyncAutoResetEventTests
{
    [Fact]
    public async Task Set_AfterAWaitTimedOut_IsNotLost()
    {
        var signal = new AsyncAutoResetEvent();
        await signal.WaitAsync(TimeSpan.FromMilliseconds(20));

        signal.Set();

        Assert.True(signal.WaitAsync(TimeSpan.FromSeconds(5)).IsCompleted);
    }

    [Fact]
    public async Task Set_WakesTheWaiter()
    {
        var signal = new AsyncAutoResetEvent();
        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(30));

        signal.Set();

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitAsync_NoSignal_EndsAfterTimeoutOrCancellationWithoutThrowing()
    {
        var signal = new AsyncAutoResetEvent();
        using var cts = new CancellationTokenSource(50);

        await signal.WaitAsync(TimeSpan.FromMilliseconds(30));
        await signal.WaitAsync(Timeout.InfiniteTimeSpan, cts.Token);
    }

    [Fact]
    public async Task WaitAsync_Infinite_WaitsForTheSignalOrTheCancellation()
    {
        var signal = new AsyncAutoResetEvent();
        using var cts = new CancellationTokenSource();

        var forever = signal.WaitAsync(Timeout.InfiniteTimeSpan);
        var untilCancelled = signal.WaitAsync(Timeout.InfiniteTimeSpan, cts.Token);
        await Task.Delay(50);

        Assert.False(forever.IsCompleted);
        Assert.False(untilCancelled.IsCompleted);
        await cts.CancelAsync();
        await untilCancelled.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(forever.IsCompleted);
        signal.Set();
        await forever.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
