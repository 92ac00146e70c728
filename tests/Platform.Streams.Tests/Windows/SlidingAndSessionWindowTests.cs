using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

public sealed class SlidingAndSessionWindowTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static (TopologyTestDriver, TestInputTopic<string, string>, TestOutputTopic<Windowed<string>, long>) SlidingCount(SlidingWindows windows, string applicationId)
    {
        var builder = new StreamsBuilder();
        var serde = new TimeWindowedSerde<string>(Serdes.String, windows.TimeDifferenceMs);
        builder.Stream("in", Strings).GroupByKey().WindowedBy(windows)
            .Count(Materialized.With<string, long>(Serdes.String, Serdes.Int64))
            .ToStream().To("out", Produced.With(serde, Serdes.Int64));
        var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { ApplicationId = applicationId });
        return (driver, driver.CreateInputTopic("in", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", serde, Serdes.Int64));
    }

    private static KeyValuePair<Windowed<string>, TValue> Result<TValue>(long start, long end, TValue value)
        => new(new Windowed<string>("a", new Window(start, end)), value);

    [Fact]
    public void SlidingCount_InOrderAndOutOfOrder_EmitsKafkasRecordAlignedWindows()
    {
        var (driver, input, output) = SlidingCount(SlidingWindows.OfTimeDifferenceAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)), "sliding-" + Guid.NewGuid().ToString("N"));
        using var _ = driver;

        input.PipeInput("a", "1", 10);
        Assert.Equal([Result(0, 10, 1L)], output.ReadKeyValuesToList());

        input.PipeInput("a", "2", 15);   // the first record's right window, then this record's left window
        Assert.Equal([Result(11, 21, 1L), Result(5, 15, 2L)], output.ReadKeyValuesToList());

        input.PipeInput("a", "3", 25);
        Assert.Equal([Result(16, 26, 1L), Result(15, 25, 2L)], output.ReadKeyValuesToList());

        input.PipeInput("a", "4", 12);   // out of order: updates the windows containing 12, creates its left and right windows
        Assert.Equal([Result(5, 15, 3L), Result(11, 21, 2L), Result(2, 12, 2L), Result(13, 23, 1L)], output.ReadKeyValuesToList());
    }

    [Fact]
    public void SlidingCount_RecordBeyondGrace_IsDroppedAndCounted()
    {
        var applicationId = "sliding-late-" + Guid.NewGuid().ToString("N");
        using var dropped = new DroppedRecordsListener(applicationId);
        var (driver, input, output) = SlidingCount(SlidingWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromMilliseconds(10)), applicationId);
        using var _ = driver;

        input.PipeInput("a", "1", 30);
        input.PipeInput("a", "2", 5);

        Assert.Equal([Result(20, 30, 1L)], output.ReadKeyValuesToList());
        Assert.Equal(1, dropped.Total);
    }

    private static (TopologyTestDriver, TestInputTopic<string, string>, TestOutputTopic<Windowed<string>, string>) SessionConcat(SessionWindows windows, string applicationId)
    {
        var builder = new StreamsBuilder();
        var serde = new SessionWindowedSerde<string>(Serdes.String);
        builder.Stream("in", Strings).GroupByKey().WindowedBy(windows)
            .Aggregate(() => "", (_, v, agg) => agg + v, (_, a, b) => a + b, Materialized.As<string, string>("sessions").WithValueSerde(Serdes.String))
            .ToStream().To("out", Produced.With(serde, Serdes.String));
        var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { ApplicationId = applicationId });
        return (driver, driver.CreateInputTopic("in", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", serde, Serdes.String));
    }

    [Fact]
    public void SessionAggregate_RecordsWithinGap_MergeSessionsAndDeleteTheMergedOnes()
    {
        var (driver, input, output) = SessionConcat(SessionWindows.OfInactivityGapAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)), "session-" + Guid.NewGuid().ToString("N"));
        using var _ = driver;

        input.PipeInput("a", "x", 0);
        input.PipeInput("a", "y", 5);
        input.PipeInput("a", "z", 30);
        input.PipeInput("a", "w", 18);    // out of order: its own session, 12 ms from either neighbour
        input.PipeInput("a", "v", 22);    // bridges [18,18] and [30,30]

        Assert.Equal(
            [
                Result(0, 0, "x"), Result<string>(0, 0, null!), Result(0, 5, "xy"), Result(30, 30, "z"), Result(18, 18, "w"),
                Result<string>(18, 18, null!), Result<string>(30, 30, null!), Result(18, 30, "wzv"),
            ],
            output.ReadKeyValuesToList());
        var store = driver.GetSessionStore<string, string>("sessions");
        Assert.Equal([(new Window(0, 5), "xy"), (new Window(18, 30), "wzv")], store.Fetch("a").Select(e => (e.Key.Window, e.Value)).ToList());
    }

    [Fact]
    public void SessionAggregate_ResultTimestamp_IsSessionEnd()
    {
        var (driver, input, output) = SessionConcat(SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromMilliseconds(10)), "session-ts-" + Guid.NewGuid().ToString("N"));
        using var _ = driver;

        input.PipeInput("a", "x", 7);
        input.PipeInput("a", "y", 12);

        Assert.Equal([7L, 7L, 12L], output.ReadRecordsToList().ConvertAll(r => r.Timestamp));
    }

    [Fact]
    public void SessionAggregate_LateRecord_IsDroppedUnlessItJoinsAnOpenSession()
    {
        var applicationId = "session-late-" + Guid.NewGuid().ToString("N");
        using var dropped = new DroppedRecordsListener(applicationId);
        var (driver, input, output) = SessionConcat(SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromMilliseconds(5)), applicationId);
        using var _ = driver;

        input.PipeInput("a", "x", 100);
        input.PipeInput("a", "y", 50);    // its session would end at 50 < stream time 100: dropped
        input.PipeInput("a", "z", 97);    // merges into [100,100], which is still open

        Assert.Equal([Result(100, 100, "x"), Result<string>(100, 100, null!), Result(97, 100, "xz")], output.ReadKeyValuesToList());
        Assert.Equal(1, dropped.Total);
    }

    [Fact]
    public void SessionStore_Retention_DropsSessionsEndedBeforeGapPlusGrace()
    {
        var (driver, input, _) = SessionConcat(SessionWindows.OfInactivityGapAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5)), "session-ret-" + Guid.NewGuid().ToString("N"));
        using var __ = driver;

        input.PipeInput("a", "x", 0);
        input.PipeInput("b", "y", 16);

        Assert.Empty(driver.GetSessionStore<string, string>("sessions").Fetch("a"));
        Assert.Single(driver.GetSessionStore<string, string>("sessions").Fetch("b"));
    }
}
