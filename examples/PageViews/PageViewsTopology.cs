using System.Globalization;
using Platform.Streams;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Examples.PageViews;

/// <summary>
/// Page views per user per minute: views from <see cref="InputTopic"/> (key = user, value = page) are counted in
/// 1-minute tumbling windows of record time with a 10 s grace, and only the final count of each window is written to
/// <see cref="OutputTopic"/> (key = <c>user@&lt;window start, epoch ms&gt;</c>, value = the count as UTF-8 text), once
/// stream time passes the window's end plus the grace. Views arriving later than that are dropped and counted in the
/// <c>dropped-records</c> metric.
/// </summary>
public static class PageViewsTopology
{
    /// <summary>Page views: key = user, value = page.</summary>
    public const string InputTopic = "page-views";

    /// <summary>Final counts: key = <c>user@windowStartMs</c>, value = count.</summary>
    public const string OutputTopic = "page-views-per-minute";

    /// <summary>The window store of the running counts.</summary>
    public const string StoreName = "views-per-minute";

    /// <summary>The window size.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromMinutes(1);

    /// <summary>How long after a window's end a late view still counts.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>Builds the topology; <paramref name="config"/> decides its optimizations (<c>topology.optimization</c>), the default when null.</summary>
    public static Topology Build(StreamsConfig? config = null)
    {
        var builder = new StreamsBuilder();
        builder.Stream(InputTopic, Consumed.With(Serdes.String, Serdes.String).WithName("views"))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String).WithName("by-user"))
            .WindowedBy(TimeWindows.OfSizeAndGrace(WindowSize, Grace))
            .Count(Materialized.As<string, long>(StoreName).WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64), Named.As("count"))
            .Suppress(Suppressed.UntilWindowCloses(BufferConfig.Unbounded()).WithName("final"))
            .ToStream(Named.As("final-counts"))
            .Map((window, count) => (OutputKey(window.Key, window.Window.StartMs), count.ToString(CultureInfo.InvariantCulture)), Named.As("as-text"))
            .To(OutputTopic, Produced.With(Serdes.String, Serdes.String).WithName("per-minute"));
        return builder.Build(config);
    }

    /// <summary>The output key of <paramref name="user"/>'s window starting at <paramref name="windowStartMs"/>.</summary>
    public static string OutputKey(string user, long windowStartMs) => $"{user}@{windowStartMs.ToString(CultureInfo.InvariantCulture)}";
}
