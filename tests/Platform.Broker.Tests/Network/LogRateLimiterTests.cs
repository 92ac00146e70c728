using Platform.Broker.Diagnostics;

namespace Platform.Broker.Tests.Network;

/// <summary>One line per key per interval, with the count of those left out.</summary>
public sealed class LogRateLimiterTests
{
    [Fact]
    public void ShouldLog_RepeatsWithinInterval_SuppressedThenCounted()
    {
        var time = new ManualTime();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(10));

        Assert.True(limiter.ShouldLog("disk full", out var first));
        Assert.Equal(0, first);
        for (var i = 0; i < 1356; i++)
        {
            Assert.False(limiter.ShouldLog("disk full", out _));
        }

        // Another failure has its own window.
        Assert.True(limiter.ShouldLog("accept failed", out _));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.ShouldLog("disk full", out var suppressed));
        Assert.Equal(1356, suppressed);
        Assert.False(limiter.ShouldLog("disk full", out _));
    }

    [Fact]
    public void ShouldLog_FloodOfDistinctKeys_StaysBounded()
    {
        var time = new ManualTime();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(10));

        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(limiter.ShouldLog($"key {i}", out _));
        }

        // The newest keys are still remembered.
        Assert.False(limiter.ShouldLog("key 99999", out _));
    }
}
