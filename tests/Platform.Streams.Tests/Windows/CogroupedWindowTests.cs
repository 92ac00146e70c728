using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

/// <summary>Cogrouped streams aggregated per window: clicks add 1, views add 100, into one store per key and window.</summary>
public sealed class CogroupedWindowTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Clicks, TestInputTopic<string, string> Views) Driver(
        Func<ICogroupedKStream<string, long>, IKTable<Windowed<string>, long>> aggregate)
    {
        var builder = new StreamsBuilder();
        var clicks = builder.Stream("clicks", Strings).GroupByKey();
        var views = builder.Stream("views", Strings).GroupByKey();
        var cogrouped = clicks.Cogroup<long>((_, _, total) => total + 1).Cogroup(views, (_, _, total) => total + 100);
        aggregate(cogrouped).ToStream().To("out", Produced.With(new SessionWindowedSerde<string>(Serdes.String), Serdes.Int64));
        var config = new StreamsConfig { ApplicationId = "cogroup-windows", StateStoreCacheMaxBytes = 0 };
        var driver = new TopologyTestDriver(builder.Build(config), config);
        return (driver, driver.CreateInputTopic("clicks", Serdes.String, Serdes.String), driver.CreateInputTopic("views", Serdes.String, Serdes.String));
    }

    [Fact]
    public void WindowedByTimeWindows_BothStreams_FoldIntoOneAggregatePerWindow()
    {
        var (driver, clicks, views) = Driver(c => c.WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromSeconds(10))).Aggregate(() => 0L, Materialized.As<string, long>("totals").WithValueSerde(Serdes.Int64).WithRetention(TimeSpan.FromHours(1))));
        using var _ = driver;

        clicks.PipeInput("u", "c", 1_000);
        views.PipeInput("u", "v", 2_000);
        clicks.PipeInput("u", "c", 11_000);

        var store = driver.GetStore<ITimestampedWindowStore<string, long>>("totals");
        Assert.Equal(101, store.Fetch("u", 0)!.Value);
        Assert.Equal(1, store.Fetch("u", 10_000)!.Value);
    }

    [Fact]
    public void WindowedBySlidingWindows_RecordsWithinTheDifference_ShareAWindow()
    {
        var (driver, clicks, views) = Driver(c => c.WindowedBy(SlidingWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromSeconds(10))).Aggregate(() => 0L, Materialized.As<string, long>("totals").WithValueSerde(Serdes.Int64).WithRetention(TimeSpan.FromHours(1))));
        using var _ = driver;

        clicks.PipeInput("u", "c", 20_000);
        views.PipeInput("u", "v", 25_000);

        // The window ending at the view (15 000..25 000) holds both.
        var store = driver.GetStore<ITimestampedWindowStore<string, long>>("totals");
        Assert.Equal(101, store.Fetch("u", 15_000)!.Value);
    }

    [Fact]
    public void WindowedBySessionWindows_RecordsWithinTheGap_MergeIntoOneSession()
    {
        var (driver, clicks, views) = Driver(c => c.WindowedBy(SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromSeconds(5)))
            .Aggregate(() => 0L, (_, a, b) => a + b, Materialized.As<string, long>("sessions").WithValueSerde(Serdes.Int64).WithRetention(TimeSpan.FromHours(1))));
        using var _ = driver;

        clicks.PipeInput("u", "c", 1_000);
        clicks.PipeInput("u", "c", 10_000);
        views.PipeInput("u", "v", 5_000);

        var sessions = driver.GetSessionStore<string, long>("sessions").Fetch("u").Select(s => (s.Key.Window.StartMs, s.Key.Window.EndMs, s.Value)).ToList();
        Assert.Equal([(1_000L, 10_000L, 102L)], sessions);
    }
}
