using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

/// <summary>The record cache over window stores: one update per window and commit with caching on (the default), every update with it off.</summary>
public sealed class WindowCachingTests
{
    private static readonly TimeWindows TenSeconds = TimeWindows.OfSizeWithNoGrace(TimeSpan.FromSeconds(10));

    // The driver commits after each input record, so the words of one line share a commit interval.
    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Input, TestOutputTopic<Windowed<string>, long> Output) Driver(
        Func<IKGroupedStream<string, string>, IKTable<Windowed<string>, long>> count, string dslStore = "rocksDB")
    {
        var builder = new StreamsBuilder();
        var windowedSerde = new TimeWindowedSerde<string>(Serdes.String, TenSeconds.SizeMs);
        var grouped = builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String));
        count(grouped).ToStream().To("out", Produced.With(windowedSerde, Serdes.Int64));
        var config = new StreamsConfig { ApplicationId = "window-caching", DefaultDslStore = dslStore };
        var driver = new TopologyTestDriver(builder.Build(config), config);
        return (driver, driver.CreateInputTopic("lines", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", windowedSerde, Serdes.Int64));
    }

    private static KeyValuePair<Windowed<string>, long> Result(string key, long start, long end, long count) => new(new Windowed<string>(key, new Window(start, end)), count);

    [Theory]
    [InlineData("rocksDB")]
    [InlineData("in_memory")]
    public void TumblingCount_CachingOn_EmitsTheLatestCountPerWindowOnCommit(string dslStore)
    {
        var (driver, input, output) = Driver(g => g.WindowedBy(TenSeconds).Count(Materialized.As<string, long>("wcounts")), dslStore);
        using var _ = driver;

        input.PipeInput("a", "x y z", 1_000);
        input.PipeInput("a", "x y", 12_000);
        input.PipeInput("b", "x", 13_000);

        Assert.Equal([Result("a", 0, 10_000, 3), Result("a", 10_000, 20_000, 2), Result("b", 10_000, 20_000, 1)], output.ReadKeyValuesToList());
        Assert.Equal(2, driver.GetStore<ITimestampedWindowStore<string, long>>("wcounts").Fetch("a", 10_000)!.Value);
    }

    [Fact]
    public void TumblingCount_CachingOff_EmitsEveryUpdate()
    {
        var (driver, input, output) = Driver(g => g.WindowedBy(TenSeconds).Count(Materialized.As<string, long>("wcounts").WithCachingDisabled()));
        using var _ = driver;

        input.PipeInput("a", "x y z", 1_000);

        Assert.Equal([Result("a", 0, 10_000, 1), Result("a", 0, 10_000, 2), Result("a", 0, 10_000, 3)], output.ReadKeyValuesToList());
    }

    [Fact]
    public void SlidingCount_CachingOnAndOff_DedupesOnlyWithTheCache()
    {
        var sliding = SlidingWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromSeconds(10));
        var (cached, cachedInput, cachedOutput) = Driver(g => g.WindowedBy(sliding).Count(Materialized.As<string, long>("s")));
        var (direct, directInput, directOutput) = Driver(g => g.WindowedBy(sliding).Count(Materialized.As<string, long>("s").WithCachingDisabled()));
        using var a = cached;
        using var b = direct;

        cachedInput.PipeInput("a", "x y", 20_000);
        directInput.PipeInput("a", "x y", 20_000);

        // Both records at 20 000 land in the window [10 000, 20 000]; uncached, each update goes out.
        var uncached = directOutput.ReadValuesToList();
        var deduped = cachedOutput.ReadValuesToList();
        Assert.True(uncached.Count > deduped.Count, $"uncached {string.Join(",", uncached)}, cached {string.Join(",", deduped)}");
        Assert.Equal(2L, deduped[^1]);
        Assert.Equal(uncached[^1], deduped[^1]);
    }
}
