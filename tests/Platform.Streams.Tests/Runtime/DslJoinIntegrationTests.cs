using Platform.Streams.Dsl;
using Platform.Streams.SerDes;
using Platform.Streams.Tests.Examples;

namespace Platform.Streams.Tests.Runtime;

/// <summary>DSL joins on a real broker: a windowed stream-stream join fed out of order, and a foreign-key table join.</summary>
public sealed class DslJoinIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const long T = 1_700_000_000_000;

    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StreamStreamJoin_OutOfOrderRecords_JoinWithinWindowAndGraceAndDropTooLateOnes()
    {
        await _cluster.CreateTopicAsync("clicks", 2);
        await _cluster.CreateTopicAsync("impressions", 2);
        await _cluster.CreateTopicAsync("joined", 2);
        var builder = new StreamsBuilder();
        var impressions = builder.Stream("impressions", Consumed.With(Serdes.String, Serdes.String));
        builder.Stream("clicks", Consumed.With(Serdes.String, Serdes.String))
            .Join(impressions, (click, impression) => click + "+" + impression, JoinWindows.OfTimeDifferenceAndGrace(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), StreamJoined.As<string, string, string>("clicks-impressions"))
            .To("joined", Produced.With(Serdes.String, Serdes.String));
        var config = _cluster.Config("ssjoin-it", _cluster.NewStateDir());
        // The input is all there before the start, and a task waits for data on both partitions before it processes
        // out of order (max.task.idle.ms): which fetch brings which topic first must not decide what joins.
        config.MaxTaskIdleMs = 2000;
        using var streams = new KafkaStreams(builder.Build(), config, _logging);

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "clicks", ("k", "a", T));
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "impressions", ("k", "b", T + 8_000), ("k", "z", T + 30_000));
        await TextRecords.ProduceAsync(
            _cluster.BootstrapServers,
            "clicks",
            ("k", "c", T + 22_000),    // out of order (stream time 30 s) but within the grace: joins z
            ("k", "late", T + 1_000)); // behind stream time by more than window and grace: dropped, although b is 7 s away
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "clicks", ("k", "x", T + 100_000));
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "impressions", ("k", "y", T + 101_000));
        streams.Start();

        var joined = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, "joined", r => r.Any(x => x.Value == "x+y"));
        Assert.Equal(["a+b", "c+z", "x+y"], joined.Select(r => r.Value));
        Assert.All(joined, r => Assert.Equal("k", r.Key));
    }

    [Fact]
    public async Task StreamStreamJoin_RestoredFromChangelog_KeepsLiveRecordsAndDropsExpiredSegments()
    {
        await _cluster.CreateTopicAsync("ssr-left", 1);
        await _cluster.CreateTopicAsync("ssr-right", 1);
        await _cluster.CreateTopicAsync("ssr-out", 1);
        static Topology Join()
        {
            var builder = new StreamsBuilder();
            var right = builder.Stream("ssr-right", Consumed.With(Serdes.String, Serdes.String));
            builder.Stream("ssr-left", Consumed.With(Serdes.String, Serdes.String))
                .Join(right, (l, r) => l + "+" + r, JoinWindows.OfTimeDifferenceWithNoGrace(TimeSpan.FromSeconds(10)), StreamJoined.As<string, string, string>("buf"))
                .To("ssr-out", Produced.With(Serdes.String, Serdes.String));
            return builder.Build();
        }

        static List<string?> Buffered(KafkaStreams streams)
            => [.. streams.Store<State.IReadOnlyWindowStore<string, string>>("buf-this-join-store").All().Select(e => e.Value)];

        // Retention is 20 s (window + grace): once "a" arrives 100 s later, the segment holding "old" is dropped.
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "ssr-left", ("k", "old", T), ("k", "a", T + 100_000));
        using (var first = new KafkaStreams(Join(), _cluster.Config("ssjoin-restore", _cluster.NewStateDir()), _logging))
        {
            first.Start();
            await StreamsTestCluster.WaitUntilAsync(() => first.State == KafkaStreamsState.Running && Buffered(first).SequenceEqual(["a"]), "the buffer holding a alone");
            first.Close();
        }

        // A new state.dir: the buffer can only come back from its changelog, which still holds both records.
        using var second = new KafkaStreams(Join(), _cluster.Config("ssjoin-restore", _cluster.NewStateDir()), _logging);
        second.Start();
        await StreamsTestCluster.WaitUntilAsync(() => second.State == KafkaStreamsState.Running && Buffered(second).SequenceEqual(["a"]), "the restored buffer holding a alone");

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "ssr-right", ("k", "b", T + 105_000));
        var joined = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, "ssr-out", r => r.Count >= 1);
        Assert.Equal(["a+b"], joined.Select(r => r.Value));
    }

    [Fact]
    public async Task ForeignKeyJoin_CustomerChangesAndOrderMoves_ResultsFollowOnTopicsWithDifferentPartitionCounts()
    {
        await _cluster.CreateTopicAsync("fk-orders", 2);
        await _cluster.CreateTopicAsync("fk-customers", 3);
        await _cluster.CreateTopicAsync("fk-out", 2);
        var builder = new StreamsBuilder();
        var customers = builder.Table("fk-customers", Consumed.With(Serdes.String, Serdes.String));
        builder.Table("fk-orders", Consumed.With(Serdes.String, Serdes.String))
            .Join(customers, order => order!.Split('|')[0], (order, customer) => order + " by " + customer, TableJoined.As<string, string>("order-customer"))
            .ToStream()
            .To("fk-out", Produced.With(Serdes.String, Serdes.String));
        using var streams = new KafkaStreams(builder.Build(), _cluster.Config("fkjoin-it", _cluster.NewStateDir()), _logging);
        streams.Start();

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "fk-customers", ("c1", "Ada", 1), ("c2", "Bob", 1));
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "fk-orders", ("o1", "c1|10", 2), ("o2", "c2|5", 2), ("o3", "c9|1", 2));
        await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, "fk-out", r => TextRecords.Latest(r).Count == 2);

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "fk-customers", ("c1", "Ada L.", 3));
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "fk-orders", ("o2", "c1|7", 4));
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, "fk-customers", ("c9", "Cy", 5));

        var expected = new Dictionary<string, string?> { ["o1"] = "c1|10 by Ada L.", ["o2"] = "c1|7 by Ada L.", ["o3"] = "c9|1 by Cy" };
        var records = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, "fk-out", r => expected.All(e => TextRecords.Latest(r).GetValueOrDefault(e.Key) == e.Value));
        Assert.Equal(expected, TextRecords.Latest(records));
        Assert.DoesNotContain(records, r => r.Value == "c2|5 by Ada L.");
    }
}
