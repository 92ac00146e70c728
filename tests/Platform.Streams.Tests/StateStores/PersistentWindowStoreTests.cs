using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.RocksDb;
using Platform.Streams.Testing;
using RocksDbSharp;

namespace Platform.Streams.Tests.StateStores;

/// <summary>Windowed and session aggregations default to segmented RocksDB stores that keep their data across restarts and drop whole expired segments.</summary>
public sealed class PersistentWindowStoreTests : IDisposable
{
    private static readonly Consumed<string, string> Strings = Consumed.With(Serdes.String, Serdes.String);
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "window-stores-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    private StreamsConfig Config() => new() { ApplicationId = "window-stores", StateDir = _stateDir };

    private static readonly TimeWindows TenSeconds = TimeWindows.OfSizeWithNoGrace(TimeSpan.FromSeconds(10));

    private TopologyTestDriver WindowedCount(Materialized<string, long> materialized)
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .WindowedBy(TenSeconds)
            .Count(materialized)
            .ToStream()
            .To("out", Produced.With(new TimeWindowedSerde<string>(Serdes.String, TenSeconds.SizeMs), Serdes.Int64));
        return new TopologyTestDriver(builder.Build(Config()), Config());
    }

    private TopologyTestDriver SessionCount()
    {
        var builder = new StreamsBuilder();
        builder.Stream("in", Strings)
            .GroupByKey()
            .WindowedBy(SessionWindows.OfInactivityGapWithNoGrace(TimeSpan.FromSeconds(5)))
            .Count(Materialized.As<string, long>("sessions").WithRetention(TimeSpan.FromHours(1)))
            .ToStream()
            .To("out", Produced.With(new SessionWindowedSerde<string>(Serdes.String), Serdes.Int64));
        return new TopologyTestDriver(builder.Build(Config()), Config());
    }

    private string StoreFolder(string store) => Path.Combine(_stateDir, "window-stores", "0_0", "rocksdb", store);

    /// <summary>The ids of the segments a closed store of task 0_0 holds on disk.</summary>
    private SortedSet<long> SegmentIds(string store)
    {
        var segments = new SortedSet<long>();
        using var db = RocksDb.OpenReadOnly(new DbOptions(), StoreFolder(store), false);
        using var iterator = db.NewIterator();
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            segments.Add(KeySegments.ReadId(iterator.Key()));
        }

        return segments;
    }

    [Fact]
    public void WindowedCount_NoStoreType_IsRocksDbAndKeepsItsWindowsAcrossARestart()
    {
        // Retention beyond the default (size + grace, as in Kafka), so the first window is still live after the third record.
        var materialized = Materialized.As<string, long>("wcounts").WithRetention(TimeSpan.FromHours(1));
        using (var driver = WindowedCount(materialized))
        {
            var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
            input.PipeInput("a", "x", 1_000);
            input.PipeInput("a", "x", 2_000);
            input.PipeInput("b", "x", 12_000);

            Assert.True(driver.GetStateStore("wcounts")!.Persistent);
            Assert.True(Directory.Exists(StoreFolder("wcounts")));
        }

        // The test driver restores nothing from changelogs: what the second run sees came from disk.
        using var again = WindowedCount(materialized);
        again.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("a", "x", 3_000);

        var store = again.GetStore<ITimestampedWindowStore<string, long>>("wcounts");
        Assert.Equal(3, store.Fetch("a", 0)!.Value);
        Assert.Equal(1, store.Fetch("b", 10_000)!.Value);
        Assert.Equal([0L], store.Fetch("a", 0, 100_000).Select(w => w.Key));
    }

    [Fact]
    public void WindowedCount_InMemoryStoreType_IsNotPersistent()
    {
        using var driver = WindowedCount(Materialized.As<string, long>("wcounts").WithStoreType(DslStoreType.InMemory));
        driver.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("a", "x", 1_000);

        Assert.False(driver.GetStateStore("wcounts")!.Persistent);
        Assert.Equal(1, driver.GetStore<ITimestampedWindowStore<string, long>>("wcounts").Fetch("a", 0)!.Value);
    }

    [Fact]
    public void WindowedCount_StreamTimePastRetention_DropsWholeSegmentsAndHidesExpiredWindows()
    {
        // Retention 2 min: segments of 60 s (the floor), as in Kafka.
        var retention = TimeSpan.FromMinutes(2);
        Assert.Equal(60_000, new RocksDbWindowBytesStoreSupplier("s", retention, TimeSpan.FromSeconds(10)).SegmentIntervalMs);
        using (var driver = WindowedCount(Materialized.As<string, long>("wcounts").WithRetention(retention)))
        {
            var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
            for (var t = 0L; t <= 600_000; t += 10_000)
            {
                input.PipeInput("k" + (t % 3), "x", t);
            }

            var store = driver.GetStore<ITimestampedWindowStore<string, long>>("wcounts");
            Assert.Null(store.Fetch("k0", 0));
            Assert.Equal(1, store.Fetch("k0", 600_000)!.Value);

            // Live: window starts after 600 000 - 120 000.
            var live = store.All().Select(w => w.Key.Window.StartMs).ToList();
            Assert.Equal(12, live.Count);
            Assert.All(live, start => Assert.True(start > 480_000, start.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // On disk, only the segments that can hold live windows are left (the one of 480 001 and later: ids 8, 9, 10).
        Assert.Equal([8L, 9L, 10L], SegmentIds("wcounts"));
    }

    [Fact]
    public void StreamStreamJoin_StreamTimePastRetention_DropsWholeSegmentsOfTheBuffers()
    {
        // Window 2 x 10 s plus 50 s grace: 70 s retention, so segments of 60 s (the floor), as in Kafka.
        var builder = new StreamsBuilder();
        var right = builder.Stream("right", Strings);
        builder.Stream("left", Strings)
            .Join(right, (l, r) => l + "+" + r, JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(50)), StreamJoined.With(Serdes.String, Serdes.String, Serdes.String).WithStoreName("j"))
            .To("joined", Produced.With(Serdes.String, Serdes.String));
        using (var driver = new TopologyTestDriver(builder.Build(Config()), Config()))
        {
            var left = driver.CreateInputTopic("left", Serdes.String, Serdes.String);
            for (var t = 0L; t <= 600_000; t += 10_000)
            {
                left.PipeInput("k", "l" + t, t);
                left.PipeInput("k", "dup" + t, t);
            }

            // Both records of one key and timestamp are kept, and only those within the window join.
            driver.CreateInputTopic("right", Serdes.String, Serdes.String).PipeInput("k", "r", 600_000);
            Assert.Equal(
                ["l590000+r", "dup590000+r", "l600000+r", "dup600000+r"],
                driver.CreateOutputTopic("joined", Serdes.String, Serdes.String).ReadValuesToList());

            // Live: timestamps after 600 000 - 70 000, both duplicates of each.
            var live = driver.GetWindowStore<string, string>("j-this-join-store").All().Select(w => w.Key.Window.StartMs).ToList();
            Assert.Equal(14, live.Count);
            Assert.All(live, start => Assert.True(start > 530_000, start.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // On disk, only the segments that can hold live records are left (the one of 530 001 and later: ids 8, 9, 10).
        Assert.Equal([8L, 9L, 10L], SegmentIds("j-this-join-store"));
    }

    [Fact]
    public void SessionCount_NoStoreType_IsRocksDbMergesSessionsAndKeepsThemAcrossARestart()
    {
        using (var driver = SessionCount())
        {
            var input = driver.CreateInputTopic("in", Serdes.String, Serdes.String);
            input.PipeInput("a", "x", 1_000);
            input.PipeInput("ab", "x", 2_000);
            input.PipeInput("a", "x", 4_000);
            input.PipeInput("a", "x", 20_000);

            Assert.True(driver.GetStateStore("sessions")!.Persistent);
            var sessions = driver.GetSessionStore<string, long>("sessions").Fetch("a").Select(s => (s.Key.Window.StartMs, s.Key.Window.EndMs, s.Value)).ToList();
            Assert.Equal([(1_000L, 4_000L, 2L), (20_000L, 20_000L, 1L)], sessions);
        }

        using var again = SessionCount();
        again.CreateInputTopic("in", Serdes.String, Serdes.String).PipeInput("a", "x", 22_000);

        var store = again.GetSessionStore<string, long>("sessions");
        Assert.Equal([(1_000L, 4_000L, 2L), (20_000L, 22_000L, 2L)], store.Fetch("a").Select(s => (s.Key.Window.StartMs, s.Key.Window.EndMs, s.Value)).ToList());
        Assert.Equal([(2_000L, 2_000L, 1L)], store.Fetch("ab").Select(s => (s.Key.Window.StartMs, s.Key.Window.EndMs, s.Value)).ToList());
        Assert.Equal(["a", "a", "ab"], store.Fetch("a", "b").Select(s => s.Key.Key).Order(StringComparer.Ordinal));
    }
}
