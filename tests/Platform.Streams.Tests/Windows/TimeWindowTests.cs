using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

public sealed class TimeWindowTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Input, TestOutputTopic<Windowed<string>, long> Output) CountDriver(TimeWindows windows, string applicationId)
    {
        var builder = new StreamsBuilder();
        var windowedSerde = new TimeWindowedSerde<string>(Serdes.String, windows.SizeMs);
        builder.Stream("in", Strings)
            .GroupByKey()
            .WindowedBy(windows)
            .Count(Materialized.As<string, long>("counts"))
            .ToStream()
            .To("out", Produced.With(windowedSerde, Serdes.Int64));
        var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { ApplicationId = applicationId });
        return (driver, driver.CreateInputTopic("in", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", windowedSerde, Serdes.Int64));
    }

    private static KeyValuePair<Windowed<string>, long> Result(string key, long start, long end, long count)
        => new(new Windowed<string>(key, new Window(start, end)), count);

    [Fact]
    public void TumblingCount_OutOfOrderWithinGrace_UpdatesWindowAndLateRecordIsDroppedAndCounted()
    {
        var applicationId = "tumbling-" + Guid.NewGuid().ToString("N");
        using var dropped = new DroppedRecordsListener(applicationId);
        var (driver, input, output) = CountDriver(TimeWindows.OfSizeAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5)), applicationId);
        using var _ = driver;

        input.PipeInput("a", "1", 1);
        input.PipeInput("a", "2", 12);
        input.PipeInput("a", "3", 3);   // stream time 12, window [0,10) closes at 15: accepted
        input.PipeInput("a", "4", 20);
        input.PipeInput("a", "5", 4);   // stream time 20: window [0,10) closed, dropped

        Assert.Equal(
            [Result("a", 0, 10, 1), Result("a", 10, 20, 1), Result("a", 0, 10, 2), Result("a", 20, 30, 1)],
            output.ReadKeyValuesToList());
        Assert.Equal(1, dropped.Total);
        Assert.Equal(1, driver.GetStore<ITimestampedWindowStore<string, long>>("counts").Fetch("a", 10)!.Value);
    }

    [Fact]
    public void TumblingCount_ResultTimestamp_IsLargestRecordTimestampOfWindow()
    {
        var (driver, input, output) = CountDriver(TimeWindows.OfSizeAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)), "ts-" + Guid.NewGuid().ToString("N"));
        using var _ = driver;

        input.PipeInput("a", "1", 7);
        input.PipeInput("a", "2", 3);

        Assert.Equal([7L, 7L], output.ReadRecordsToList().ConvertAll(r => r.Timestamp));
    }

    [Fact]
    public void HoppingCount_RecordUpdatesEveryOverlappingWindow()
    {
        var windows = TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(10)).AdvanceBy(TimeSpan.FromMilliseconds(5));
        var (driver, input, output) = CountDriver(windows, "hopping-" + Guid.NewGuid().ToString("N"));
        using var _ = driver;

        input.PipeInput("a", "1", 7);
        input.PipeInput("a", "2", 12);
        input.PipeInput("b", "3", 13);

        Assert.Equal(
            [Result("a", 0, 10, 1), Result("a", 5, 15, 1), Result("a", 5, 15, 2), Result("a", 10, 20, 1), Result("b", 5, 15, 1), Result("b", 10, 20, 1)],
            output.ReadKeyValuesToList());
    }

    [Fact]
    public void HoppingCount_NoGrace_RecordLateForOneWindowStillCountsInTheOpenOne()
    {
        var applicationId = "hopping-late-" + Guid.NewGuid().ToString("N");
        using var dropped = new DroppedRecordsListener(applicationId);
        var windows = TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(10)).AdvanceBy(TimeSpan.FromMilliseconds(5));
        var (driver, input, output) = CountDriver(windows, applicationId);
        using var _ = driver;

        input.PipeInput("a", "1", 11);
        input.PipeInput("a", "2", 7);   // [0,10) ended at stream time 11: dropped there; [5,15) still open

        Assert.Equal([Result("a", 5, 15, 1), Result("a", 10, 20, 1), Result("a", 5, 15, 2)], output.ReadKeyValuesToList());
        Assert.Equal(1, dropped.Total);
    }

    [Fact]
    public void WindowedReduceAndAggregate_FoldValuesPerWindow()
    {
        var builder = new StreamsBuilder();
        var grouped = builder.Stream("in", Strings).GroupByKey().WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(100)));
        var serde = new TimeWindowedSerde<string>(Serdes.String, 100);
        grouped.Reduce((a, b) => a + b).ToStream().To("reduced", Produced.With(serde, Serdes.String));
        grouped.Aggregate(() => 10L, (_, v, agg) => agg + long.Parse(v), Materialized.With<string, long>(null, Serdes.Int64)).ToStream().To("summed", Produced.With(serde, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("k", "1", 10);
        input.PipeInput("k", "2", 20);
        input.PipeInput("k", "3", 110);

        Assert.Equal(["1", "12", "3"], driver.CreateOutputTopic("reduced", serde, Serdes.String).ReadValuesToList());
        Assert.Equal([11L, 13L, 13L], driver.CreateOutputTopic("summed", serde, Serdes.Int64).ReadValuesToList());
    }

    [Fact]
    public void WindowStore_Retention_DropsWindowsOlderThanSizePlusGrace()
    {
        var (driver, input, _) = CountDriver(TimeWindows.OfSizeAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5)), "retention-" + Guid.NewGuid().ToString("N"));
        using var __ = driver;
        var store = driver.GetStore<ITimestampedWindowStore<string, long>>("counts");

        input.PipeInput("a", "1", 1);
        input.PipeInput("a", "2", 14);
        Assert.NotNull(store.Fetch("a", 0));

        input.PipeInput("a", "3", 25);   // latest window start 20: [0,10) is past the 15 ms retention

        Assert.Null(store.Fetch("a", 0));
        Assert.Equal([10L, 20L], store.All().Select(e => e.Key.Window.StartMs).ToList());
    }

    [Fact]
    public void WindowedCount_ChangelogTopic_IsCompactDeleteWithWindowRetention()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings).GroupByKey()
            .WindowedBy(TimeWindows.OfSizeAndGrace(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)))
            .Count(Materialized.As<string, long>("per-minute"));
        var config = new StreamsConfig { ApplicationId = "app" };
        config[StreamsConfig.WindowStoreChangelogAdditionalRetentionMsConfig] = "1000";

        var topic = builder.Build(config).Build(config).InternalTopics["app-per-minute-changelog"];

        Assert.Equal("compact,delete", topic.Configs["cleanup.policy"]);
        Assert.Equal("71000", topic.Configs["retention.ms"]);
    }

    [Fact]
    public void WindowedCount_ChangelogRecords_UseWindowStoreKeyLayout()
    {
        var (driver, input, _) = CountDriver(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(10)), "changelog-" + Guid.NewGuid().ToString("N"));
        using var __ = driver;

        input.PipeInput("ab", "1", 25);

        var changelog = driver.ProducedTopicNames.Single(t => t.EndsWith("-counts-changelog", StringComparison.Ordinal));
        var record = driver.CreateOutputTopic(changelog, Serdes.ByteArray, Serdes.Int64).ReadRecord();
        Assert.Equal([(byte)'a', (byte)'b', 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0], record.Key);
        Assert.Equal(1L, record.Value);
        Assert.Equal(25L, record.Timestamp);
    }

    [Fact]
    public void WindowedCount_RetentionBelowSizePlusGrace_IsRefusedNamingTheStore()
    {
        var builder = new StreamsBuilder();
        var windowed = builder.Stream("in", Strings).GroupByKey().WindowedBy(TimeWindows.OfSizeAndGrace(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));

        var error = Assert.Throws<ArgumentException>(() => windowed.Count(Materialized.As<string, long>("short").WithRetention(TimeSpan.FromMinutes(1))));

        Assert.Contains("'short'", error.Message, StringComparison.Ordinal);
    }
}
