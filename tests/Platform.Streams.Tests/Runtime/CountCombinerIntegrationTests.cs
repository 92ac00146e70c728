using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>A DSL word count on a real broker with <c>combine.before.repartition</c> (the default): partial counts
/// go through the repartition topic inside the commits, and the counts are the true ones.</summary>
public sealed class CountCombinerIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("at_least_once")]
    [InlineData("exactly_once_v2")]
    public async Task WordCount_Combining_TrueCountsFromFewerRepartitionRecords(string guarantee)
    {
        await _cluster.CreateTopicAsync("lines", 2);
        await _cluster.CreateTopicAsync("counts", 2);
        var random = new Random(11);
        var words = new[] { "alpha", "beta", "gamma", "delta" };
        var lines = Enumerable.Range(0, 400).Select(i => ((string?)$"k{i}", string.Join(' ', Enumerable.Range(0, 5).Select(_ => words[random.Next(words.Length)])))).ToArray();
        var truth = lines.SelectMany(l => l.Item2.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        await _cluster.ProduceAsync("lines", lines);

        var builder = new StreamsBuilder();
        builder.Stream("lines", Consumed.With(Serdes.String, Serdes.String))
            .FlatMapValues<string>(line => line!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("word-counts").WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64))
            .ToStream()
            .To("counts", Produced.With(Serdes.String, Serdes.Int64));
        var applicationId = "combine-" + guarantee.Replace('_', '-');
        var config = _cluster.Config(applicationId, _cluster.NewStateDir(), guarantee);
        config[StreamsConfig.StateStoreCacheMaxBytesConfig] = "1048576";
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();

        var counts = await _cluster.ReadUntilAsync("counts", r => truth.All(t => StreamsTestCluster.Latest(r).GetValueOrDefault(t.Key) == t.Value));
        foreach (var word in counts.GroupBy(r => r.Key))
        {
            var values = word.Select(r => r.Value).ToList();
            Assert.True(values.Zip(values.Skip(1)).All(p => p.First < p.Second), $"counts of {word.Key} do not increase: {string.Join(",", values)}");
        }

        Assert.Equal(truth, StreamsTestCluster.Latest(counts));
        var total = truth.Values.Sum();
        var partials = await _cluster.ReadUntilAsync(applicationId + "-words-repartition", r => r.Sum(p => p.Value) >= total);
        Assert.Equal(total, partials.Sum(p => p.Value));
        Assert.True(partials.Count < total / 2, $"{partials.Count} repartition records for {total} words");
        streams.Close();
    }
}
