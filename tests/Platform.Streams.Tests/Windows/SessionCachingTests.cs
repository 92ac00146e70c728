using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.Testing;

namespace Platform.Streams.Tests.Windows;

/// <summary>
/// The record cache over session stores: one update per session and commit with caching on (the default),
/// every update with it off or with no cache bytes.
/// </summary>
public sealed class SessionCachingTests
{
    private static readonly SessionWindows FiveSeconds = SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromSeconds(5));

    // The driver commits after each input record, so the words of one line share a commit interval.
    private static (TopologyTestDriver Driver, TestInputTopic<string, string> Input, TestOutputTopic<Windowed<string>, string> Output) Driver(
        Materialized<string, string> materialized, string dslStore = "rocksDB", long cacheBytes = 10 * 1024 * 1024)
    {
        var builder = new StreamsBuilder();
        var sessionSerde = new SessionWindowedSerde<string>(Serdes.String);
        builder.Stream("events", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String))
            .WindowedBy(FiveSeconds)
            .Aggregate(() => "", (_, v, agg) => agg + v, (_, a, b) => a + b, materialized.WithValueSerde(Serdes.String))
            .ToStream()
            .To("out", Produced.With(sessionSerde, Serdes.String));
        var config = new StreamsConfig { ApplicationId = "session-caching", DefaultDslStore = dslStore, StateStoreCacheMaxBytes = cacheBytes };
        var driver = new TopologyTestDriver(builder.Build(config), config);
        return (driver, driver.CreateInputTopic("events", Serdes.String, Serdes.String), driver.CreateOutputTopic("out", sessionSerde, Serdes.String));
    }

    private static KeyValuePair<Windowed<string>, string> Result(string key, long start, long end, string? value) => new(new Windowed<string>(key, new Window(start, end)), value!);

    [Theory]
    [InlineData("rocksDB")]
    [InlineData("in_memory")]
    public void SessionCount_CachingOn_EmitsOneUpdatePerSessionPerCommit(string dslStore)
    {
        var (driver, input, output) = Driver(Materialized.As<string, string>("sessions"), dslStore);
        using var _ = driver;

        // Three words of one record: one session of key "a" updated three times, one update out.
        input.PipeInput("a", "x y z", 1_000);
        Assert.Equal([Result("a", 1_000, 1_000, "xyz")], output.ReadKeyValuesToList());

        // A later record joins it: the grown session replaces the old one (a tombstone for the old).
        input.PipeInput("a", "x", 4_000);
        Assert.Equal([Result("a", 1_000, 1_000, null), Result("a", 1_000, 4_000, "xyzx")], output.ReadKeyValuesToList());

        input.PipeInput("b", "p q", 4_000);
        Assert.Equal([Result("b", 4_000, 4_000, "pq")], output.ReadKeyValuesToList());

        var store = driver.GetSessionStore<string, string>("sessions");
        Assert.Equal([new KeyValuePair<Windowed<string>, string>(new Windowed<string>("a", new Window(1_000, 4_000)), "xyzx")], store.Fetch("a"));
    }

    [Fact]
    public void SessionCount_CachingOff_EmitsEveryUpdate()
    {
        var (driver, input, output) = Driver(Materialized.As<string, string>("sessions").WithCachingDisabled());
        using var _ = driver;

        input.PipeInput("a", "x y", 1_000);

        Assert.Equal(
            [Result("a", 1_000, 1_000, "x"), Result("a", 1_000, 1_000, "xy")],
            output.ReadKeyValuesToList());
    }

    [Fact]
    public void SessionCount_NoCacheBytes_WritesThrough()
    {
        var (driver, input, output) = Driver(Materialized.As<string, string>("sessions"), cacheBytes: 0);
        using var _ = driver;

        input.PipeInput("a", "x y", 1_000);

        // A cache of 0 bytes evicts at once: each write is flushed on its own, as Kafka with the cache off.
        Assert.Equal(
            [Result("a", 1_000, 1_000, "x"), Result("a", 1_000, 1_000, "xy")],
            output.ReadKeyValuesToList());
    }

    [Fact]
    public void SessionStore_CachedWrites_ReadBackBeforeTheCommit()
    {
        var builder = new StreamsBuilder();
        builder.Stream("events", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(v => v!.Split(' '))
            .GroupByKey(Grouped.With(Serdes.String, Serdes.String))
            .WindowedBy(FiveSeconds)
            .Aggregate(() => "", (_, v, agg) => agg + v, (_, a, b) => a + b, Materialized.As<string, string>("sessions").WithValueSerde(Serdes.String).WithStoreType(DslStoreType.InMemory));
        var config = new StreamsConfig { ApplicationId = "session-caching", StateStoreCacheMaxBytes = 10 * 1024 * 1024 };
        using var driver = new TopologyTestDriver(builder.Build(config), config);
        var input = driver.CreateInputTopic("events", Serdes.String, Serdes.String);

        // Within the one record's processing, each word found the session the previous one put in the cache.
        input.PipeInput("a", "x y z w", 1_000);
        input.PipeInput("b", "x", 3_000);

        var store = driver.GetSessionStore<string, string>("sessions");
        Assert.Equal("xyzw", store.Fetch("a").Single().Value);
        Assert.Equal(["a", "b"], store.Fetch(null, null).Select(s => s.Key.Key));
    }
}
