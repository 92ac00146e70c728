using System.Diagnostics;
using Platform.Streams.Runtime;

namespace Platform.Streams.Tests.Runtime;

/// <summary>How long an idle stream thread waits for records (<see cref="StreamThread.IdleWait"/>).</summary>
public sealed class IdleWaitTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private static long In(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    [Fact]
    public void CommitDueLaterThanPollMs_WaitsPollMs()
        => Assert.Equal(Poll, StreamThread.IdleWait(Poll, commitPending: false, now: 1_000, commitDue: 1_000 + In(TimeSpan.FromSeconds(30))));

    [Fact]
    public void CommitDueSooner_WaitsUntilItIsDue()
    {
        var wait = StreamThread.IdleWait(Poll, commitPending: false, now: 1_000, commitDue: 1_000 + In(TimeSpan.FromMilliseconds(40)));
        Assert.InRange(wait.TotalMilliseconds, 39.9, 40.1);
    }

    [Fact]
    public void CommitOverdue_DoesNotWait()
        => Assert.Equal(TimeSpan.Zero, StreamThread.IdleWait(Poll, commitPending: false, now: 1_000 + In(TimeSpan.FromSeconds(1)), commitDue: 1_000));

    [Fact]
    public void CommitPending_WaitsAMillisecond()
        => Assert.Equal(TimeSpan.FromMilliseconds(1), StreamThread.IdleWait(Poll, commitPending: true, now: 1_000, commitDue: 1_000 + In(TimeSpan.FromSeconds(30))));

    [Theory]
    [InlineData(1)]
    [InlineData(24)]
    [InlineData(24 * 365)]
    public void CommitIntervalOfHours_WaitsPollMs(int hours)
        => Assert.Equal(Poll, StreamThread.IdleWait(Poll, commitPending: false, now: 1_000, commitDue: 1_000 + In(TimeSpan.FromHours(hours))));
}
