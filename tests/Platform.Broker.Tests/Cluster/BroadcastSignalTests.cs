using Platform.Broker.Cluster;

namespace Platform.Broker.Tests.Cluster;

public sealed class BroadcastSignalTests
{
    [Fact]
    public void NextPulse_PulseAfterTakingIt_CompletesIt()
    {
        var signal = new BroadcastSignal();
        var first = signal.NextPulse;
        signal.Pulse();
        var second = signal.NextPulse;

        Assert.True(first.IsCompleted);
        Assert.False(second.IsCompleted);
        signal.Pulse();
        Assert.True(second.IsCompleted);
    }

    [Fact]
    public void NextPulse_SeveralWaiters_OnePulseWakesThemAll()
    {
        var signal = new BroadcastSignal();
        var waiters = Enumerable.Range(0, 3).Select(_ => signal.NextPulse).ToList();

        signal.Pulse();

        Assert.All(waiters, w => Assert.True(w.IsCompleted));
    }

    /// <summary>
    /// A writer moves a value up and pulses after every move while a waiter, over and over, waits (as a
    /// long-poll Fetch waits for min.bytes) for the value to reach the next even move: take the pulse,
    /// check, wait. Running free, the two meet at every point of the take-arm-check sequence millions
    /// of times; the waiter must always either see the move in its check or be woken by its pulse. A
    /// lost pulse shows as a wait that times out.
    /// </summary>
    [Fact]
    public async Task NextPulse_RacingPulses_NoneIsLost()
    {
        const long Moves = 50_000;
        var signal = new BroadcastSignal();
        long written = 0;
        long lostAt = 0;

        var writer = Task.Run(() =>
        {
            var random = new Random(11);
            for (var value = 1L; value <= Moves && Volatile.Read(ref lostAt) == 0; value++)
            {
                // Paced at random, an odd move soon after the even one and an even move after a longer pause,
                // so that a pulse often lands inside the waiter's sequence with the move it waits for still to come.
                Thread.SpinWait(value % 2 == 1 ? random.Next(0, 200) : random.Next(200, 2000));
                Volatile.Write(ref written, value);
                signal.Pulse();
            }
        });

        var waiter = Task.Run(() =>
        {
            long target;
            do
            {
                target = Math.Min((Volatile.Read(ref written) | 1) + 1, Moves);
                while (true)
                {
                    var pulse = signal.NextPulse;
                    if (Volatile.Read(ref written) >= target)
                    {
                        break;
                    }

                    if (!pulse.Wait(TimeSpan.FromSeconds(2)))
                    {
                        Volatile.Write(ref lostAt, target);
                        return;
                    }
                }
            }
            while (target < Moves);
        });

        await Task.WhenAll(writer, waiter).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, lostAt);
    }
}
