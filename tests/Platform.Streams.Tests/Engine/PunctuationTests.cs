using Platform.Streams.Processors;
using Platform.Streams.SerDes;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Engine;

public sealed class PunctuationTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);

    private static Topology PunctuatingTopology(PunctuationType type, int cancelAfter = int.MaxValue) => new Topology()
        .AddSource("source", Serdes.String, Serdes.String, "input")
        .AddProcessor("punctuate", () => new PunctuatingProcessor(TimeSpan.FromMilliseconds(10), type, cancelAfter), "source")
        .AddSink("sink", "output", Serdes.String, Serdes.String, null, "punctuate");

    [Fact]
    public void Schedule_StreamTime_FiresAsRecordTimestampsPassIntervals()
    {
        using var driver = new TopologyTestDriver(PunctuatingTopology(PunctuationType.StreamTime), initialWallClockTime: Start);
        var input = driver.CreateInputTopic("input", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        input.PipeInput("a", "1", 3);
        input.PipeInput("a", "2", 7);
        input.PipeInput("a", "3", 12);
        input.PipeInput("a", "late", 5);
        input.PipeInput("a", "4", 45);

        // Fires after the record that moves stream time. Aligned to 0: at the first stream time (3), then when stream time reaches 10, then once at 45
        // (missed intervals are skipped); an earlier timestamp never moves stream time back.
        var values = output.ReadKeyValuesToList().Select(kv => $"{kv.Key}={kv.Value}").ToList();
        Assert.Equal(["a=1", "tick=3", "a=2", "a=3", "tick=12", "a=late", "a=4", "tick=45"], values);
    }

    [Fact]
    public void Schedule_StreamTime_NeverFiresWithoutInput()
    {
        using var driver = new TopologyTestDriver(PunctuatingTopology(PunctuationType.StreamTime), initialWallClockTime: Start);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        driver.AdvanceWallClockTime(TimeSpan.FromSeconds(10));

        Assert.True(output.IsEmpty);
    }

    [Fact]
    public void Schedule_WallClock_FiresWhenTheDriverAdvancesTheClock()
    {
        using var driver = new TopologyTestDriver(PunctuatingTopology(PunctuationType.WallClockTime), initialWallClockTime: Start);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(9));
        Assert.True(output.IsEmpty);

        driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(1));
        driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(25));

        Assert.Equal(["1000010", "1000035"], output.ReadValuesToList());
    }

    [Fact]
    public void Cancel_AfterSecondFiring_StopsThePunctuator()
    {
        using var driver = new TopologyTestDriver(PunctuatingTopology(PunctuationType.WallClockTime, cancelAfter: 2), initialWallClockTime: Start);
        var output = driver.CreateOutputTopic("output", Serdes.String, Serdes.String);

        for (var i = 0; i < 5; i++)
        {
            driver.AdvanceWallClockTime(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(2, output.ReadValuesToList().Count);
    }

    [Fact]
    public void Schedule_IntervalBelowOneMillisecond_ThrowsNamingTheProcessor()
    {
        var topology = new Topology()
            .AddSource("source", Serdes.String, Serdes.String, "input")
            .AddProcessor("too-fast", () => new PunctuatingProcessor(TimeSpan.Zero, PunctuationType.StreamTime), "source");

        var error = Assert.ThrowsAny<Exception>(() => new TopologyTestDriver(topology));

        Assert.Contains("too-fast", error.Message, StringComparison.Ordinal);
    }
}
