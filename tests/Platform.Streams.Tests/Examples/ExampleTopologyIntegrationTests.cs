using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Examples.OrderEnrichment;
using Platform.Examples.PageViews;
using Platform.Examples.WordCount;
using Platform.Streams.State;
using Platform.Streams.Tests.Runtime;
using Platform.Streams.Tests.Windows;
using Xunit.Abstractions;

namespace Platform.Streams.Tests.Examples;

/// <summary>The examples' DSL topologies on a real broker, in process: the same classes the example programs run.</summary>
public sealed class ExampleTopologyIntegrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    // A minute boundary, so the windows of the page views are easy to read.
    private const long T0 = 1_700_000_040_000;

    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task WordCount_LinesOnTwoPartitions_TextCountsIncreaseToTheTrueCountAndTheStoreAnswers()
    {
        await _cluster.CreateTopicAsync(WordCountTopology.InputTopic, 2);
        await _cluster.CreateTopicAsync(WordCountTopology.OutputTopic, 2);
        using var streams = new KafkaStreams(WordCountTopology.Build(), _cluster.Config("wc-dsl", _cluster.NewStateDir()), _logging);
        streams.Start();

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, WordCountTopology.InputTopic, (null, "The quick brown fox", 1), ("x", "the LAZY  dog", 2), (null, "  ", 3), (null, null, 4), ("y", "quick quick", 5));

        var expected = new Dictionary<string, string?> { ["the"] = "2", ["quick"] = "3", ["brown"] = "1", ["fox"] = "1", ["lazy"] = "1", ["dog"] = "1" };
        var records = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, WordCountTopology.OutputTopic, r => TextRecords.Latest(r).Count == expected.Count && expected.All(e => TextRecords.Latest(r).GetValueOrDefault(e.Key) == e.Value));
        Assert.Equal(expected, TextRecords.Latest(records));
        foreach (var word in records.GroupBy(r => r.Key))
        {
            var counts = word.Select(r => long.Parse(r.Value!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(counts.Order(), counts);
            Assert.Equal(counts.Distinct().Count(), counts.Count);
        }

        await StreamsTestCluster.WaitUntilAsync(() => streams.State == KafkaStreamsState.Running, "Running");
        Assert.Equal(3, streams.Store<IReadOnlyKeyValueStore<string, long>>(WordCountTopology.StoreName).Get("quick"));
    }

    [Fact]
    public async Task PageViews_StreamTimePassesWindowEndPlusGrace_OneFinalCountPerUserAndWindowAndLateViewsDropped()
    {
        await _cluster.CreateTopicAsync(PageViewsTopology.InputTopic, 1);
        await _cluster.CreateTopicAsync(PageViewsTopology.OutputTopic, 1);
        using var dropped = new DroppedRecordsListener("pageviews-it");
        using var streams = new KafkaStreams(PageViewsTopology.Build(), _cluster.Config("pageviews-it", _cluster.NewStateDir()), _logging);
        streams.Start();
        var topic = PageViewsTopology.InputTopic;

        await TextRecords.ProduceAsync(
            _cluster.BootstrapServers,
            topic,
            ("alice", "/home", T0 + 1_000),
            ("alice", "/cart", T0 + 30_000),
            ("bob", "/home", T0 + 59_000),
            ("alice", "/pay", T0 + 61_000),   // the next window; the first stays open until stream time reaches 70 s
            ("alice", "/back", T0 + 5_000),   // out of order but within the grace: still counts in the first window
            ("bob", "/home", T0 + 71_000));   // stream time 71 s: the first window is final
        var first = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, PageViewsTopology.OutputTopic, r => r.Count >= 2);
        Assert.Equal(
            [(Key(T0, "alice"), "3"), (Key(T0, "bob"), "1")],
            first.OrderBy(r => r.Key, StringComparer.Ordinal));

        await TextRecords.ProduceAsync(
            _cluster.BootstrapServers,
            topic,
            ("alice", "/late", T0 + 10_000),  // its window closed at 70 s: dropped and counted
            ("carol", "/home", T0 + 200_000)); // closes the second window
        await StreamsTestCluster.WaitUntilAsync(() => dropped.Total == 1, "the late view is counted as dropped");
        await TextRecords.ProduceAsync(_cluster.BootstrapServers, topic, ("dave", "/home", T0 + 300_000)); // closes carol's window
        var all = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, PageViewsTopology.OutputTopic, r => r.Any(x => x.Key.StartsWith("carol@", StringComparison.Ordinal)));

        Assert.Equal(
            [(Key(T0, "alice"), "3"), (Key(T0, "bob"), "1"), (Key(T0 + 60_000, "alice"), "1"), (Key(T0 + 60_000, "bob"), "1"), (Key(T0 + 180_000, "carol"), "1")],
            all.OrderBy(r => long.Parse(r.Key[(r.Key.IndexOf('@') + 1)..], CultureInfo.InvariantCulture)).ThenBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(1, dropped.Total);
    }

    [Fact]
    public async Task OrderEnrichment_KnownAndUnknownCustomers_OrderGetsTheLatestCustomerOrNull()
    {
        await _cluster.CreateTopicAsync(OrderEnrichmentTopology.OrdersTopic, 2);
        await _cluster.CreateTopicAsync(OrderEnrichmentTopology.CustomersTopic, 2);
        await _cluster.CreateTopicAsync(OrderEnrichmentTopology.OutputTopic, 2);
        var config = _cluster.Config("enrich-it", _cluster.NewStateDir());
        config["default.deserialization.exception.handler"] = "LogAndContinue";
        using var streams = new KafkaStreams(OrderEnrichmentTopology.Build(), config, _logging);
        streams.Start();

        await TextRecords.ProduceAsync(_cluster.BootstrapServers, OrderEnrichmentTopology.CustomersTopic, ("c1", """{"name":"Ada"}""", 1), ("c1", """{"name":"Ada L."}""", 2));
        await StreamsTestCluster.WaitUntilAsync(
            () => streams.State == KafkaStreamsState.Running && TryGet(streams, "c1") is not null,
            "the customers table has c1");
        await TextRecords.ProduceAsync(
            _cluster.BootstrapServers,
            OrderEnrichmentTopology.OrdersTopic,
            ("c1", """{"order":1,"total":9.5}""", 3),
            ("c2", """{"order":2}""", 4),
            ("c1", "not json", 5),            // skipped by the deserialization handler
            ("c1", """{"order":3}""", 6));

        var records = await TextRecords.ReadUntilAsync(_cluster.BootstrapServers, OrderEnrichmentTopology.OutputTopic, r => r.Count >= 3);
        var byOrder = records.Select(r => JsonNode.Parse(r.Value!)!.AsObject()).ToDictionary(o => (int)o["order"]!);
        Assert.Equal(3, byOrder.Count);
        Assert.Equal("Ada L.", (string?)byOrder[1]["customer"]!["name"]);
        Assert.Equal(9.5, (double)byOrder[1]["total"]!);
        Assert.True(byOrder[2].ContainsKey("customer"));
        Assert.Null(byOrder[2]["customer"]);
        Assert.Equal("Ada L.", (string?)byOrder[3]["customer"]!["name"]);
        Assert.Equal(["c1", "c1", "c2"], records.Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    private static string Key(long windowStart, string user) => PageViewsTopology.OutputKey(user, windowStart);

    private static JsonNode? TryGet(KafkaStreams streams, string customer)
    {
        try
        {
            return streams.Store<IReadOnlyKeyValueStore<string, JsonNode?>>(OrderEnrichmentTopology.StoreName).Get(customer);
        }
        catch (InvalidStateStoreException)
        {
            return null;
        }
    }
}
