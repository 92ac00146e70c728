using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

public sealed class SuppressTests
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);

    private static KeyValuePair<Windowed<string>, long> Result(string key, long start, long end, long count)
        => new(new Windowed<string>(key, new Window(start, end)), count);

    [Fact]
    public void UntilWindowCloses_EmitsExactlyOneFinalResultPerWindowAfterEndPlusGrace()
    {
        var builder = new StreamsBuilder();
        var serde = new TimeWindowedSerde<string>(Serdes.String, 10);
        builder.Stream("in", Strings)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeAndGrace(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5)))
            .Count(Materialized.With<string, long>(Serdes.String, Serdes.Int64))
            .Suppress(Suppressed.UntilWindowCloses(BufferConfig.Unbounded()))
            .ToStream()
            .To("out", Produced.With(serde, Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build());
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
        var output = driver.CreateOutputTopic("out", serde, Serdes.Int64);

        input.PipeInput("a", "1", 1);
        input.PipeInput("a", "2", 3);
        input.PipeInput("b", "3", 4);
        input.PipeInput("a", "4", 12);
        input.PipeInput("a", "5", 14);   // stream time 14 < end 10 + grace 5: nothing final yet
        Assert.True(output.IsEmpty);

        input.PipeInput("a", "6", 15);   // [0,10) closes
        Assert.Equal([Result("a", 0, 10, 2), Result("b", 0, 10, 1)], output.ReadKeyValuesToList());

        input.PipeInput("a", "7", 2);    // late: dropped by the aggregation, nothing re-emitted
        input.PipeInput("b", "8", 24);
        Assert.Empty(output.ReadKeyValuesToList());

        input.PipeInput("b", "9", 25);   // [10,20) closes
        Assert.Equal([Result("a", 10, 20, 3)], output.ReadKeyValuesToList());
    }

    [Fact]
    public void UntilWindowCloses_BufferChangelog_IsWrittenAndTombstonedOnEmit()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .WindowedBy(TimeWindows.OfSizeWithNoGrace(TimeSpan.FromMilliseconds(10)))
            .Count(Materialized.With<string, long>(Serdes.String, Serdes.Int64))
            .Suppress(Suppressed.UntilWindowCloses(BufferConfig.Unbounded()).WithName("final"))
            .ToStream()
            .To("out", Produced.With(new TimeWindowedSerde<string>(Serdes.String, 10), Serdes.Int64));
        using var driver = new TopologyTestDriver(builder.Build(), new StreamsConfig { ApplicationId = "app" });
        var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);

        input.PipeInput("a", "1", 1);
        input.PipeInput("a", "2", 10);

        var changelog = driver.CreateOutputTopic("app-final-store-changelog", Serdes.ByteArray, Serdes.ByteArray).ReadRecordsToList();
        Assert.Equal(3, changelog.Count);                 // put [0,10), put [10,20), tombstone of [0,10) when emitted
        Assert.Null(changelog[2].Value);
        Assert.Equal(changelog[0].Key, changelog[2].Key);
    }

    [Fact]
    public void UntilWindowCloses_OnNonWindowedTable_IsRefused()
    {
        var builder = new StreamsBuilder();
        var table = builder.Stream("in", Strings).GroupByKey().Count();

        var error = Assert.Throws<InvalidOperationException>(() => table.Suppress(Suppressed.UntilWindowCloses(BufferConfig.Unbounded())));

        Assert.Contains("windowed aggregation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UntilWindowCloses_EmitEarlyBuffer_IsRefused()
        => Assert.Throws<ArgumentException>(() => Suppressed.UntilWindowCloses(BufferConfig.MaxRecords(10)));

    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Input, TestOutputTopic<string, long> Output) TimeLimitDriver(Suppressed suppressed)
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .Count(Materialized.With<string, long>(Serdes.String, Serdes.Int64).WithCachingDisabled())
            .Suppress(suppressed)
            .ToStream()
            .To("out", Produced.With(Serdes.String, Serdes.Int64));
        var driver = new TopologyTestDriver(builder.Build());
        return (driver, driver.CreateInputTopic("in", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", Serdes.String, Serdes.Int64));
    }

    [Fact]
    public void UntilTimeLimit_EmitsLatestValuePerKeyOnceTheLimitPassedSinceItsFirstUpdate()
    {
        var (driver, input, output) = TimeLimitDriver(Suppressed.UntilTimeLimit(TimeSpan.FromMilliseconds(10), BufferConfig.MaxRecords(100)));
        using var _ = driver;

        input.PipeInput("a", "1", 0);
        input.PipeInput("a", "2", 5);
        Assert.True(output.IsEmpty);
        input.PipeInput("a", "3", 10);
        input.PipeInput("b", "4", 11);
        input.PipeInput("a", "5", 12);
        input.PipeInput("a", "6", 25);

        Assert.Equal(
            [new KeyValuePair<string, long>("a", 3), new("b", 1), new("a", 5)],
            output.ReadKeyValuesToList());
    }

    [Fact]
    public void UntilTimeLimit_FullEmitEarlyBuffer_EmitsOldestEarly()
    {
        var (driver, input, output) = TimeLimitDriver(Suppressed.UntilTimeLimit(TimeSpan.FromHours(1), BufferConfig.MaxRecords(1)));
        using var _ = driver;

        input.PipeInput("a", "1", 0);
        input.PipeInput("a", "2", 1);
        Assert.True(output.IsEmpty);
        input.PipeInput("b", "3", 2);

        Assert.Equal([new KeyValuePair<string, long>("a", 2)], output.ReadKeyValuesToList());
    }

    [Fact]
    public void UntilTimeLimit_FullShutDownBuffer_StopsWithAnErrorNamingTheBuffer()
    {
        var (driver, input, _) = TimeLimitDriver(Suppressed.UntilTimeLimit(TimeSpan.FromHours(1), BufferConfig.Unbounded().WithMaxRecords(1)).WithName("limited"));
        using var __ = driver;
        input.PipeInput("a", "1", 0);

        var error = Assert.ThrowsAny<Exception>(() => input.PipeInput("b", "2", 1));

        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains("'limited-store' exceeded its capacity", messages, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }
}
