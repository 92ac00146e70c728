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
            .CountWords("counts");
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

    [Theory]
    [InlineData("at_least_once")]
    [InlineData("exactly_once_v2")]
    public async Task WordCount_OneThreadReadingFourPartitions_SendsOnePartialCountPerWordAndCommit(string guarantee)
    {
        // Every line holds every word, and the lines are spread over four partitions: four tasks on the one stream
        // thread see each word. Nothing commits before the close (a long interval), so the close's commit is the one.
        await _cluster.CreateTopicAsync("spread-lines", 4);
        await _cluster.CreateTopicAsync("spread-counts", 4);
        var lines = Enumerable.Range(0, 40).Select(i => ((string?)$"k{i}", "alpha beta gamma delta")).ToArray();
        await _cluster.ProduceAsync("spread-lines", lines);
        var seen = 0;
        var builder = new StreamsBuilder();
        builder.Stream("spread-lines", Consumed.With(Serdes.String, Serdes.String))
            .Peek((_, _) => Interlocked.Increment(ref seen))
            .CountWords("spread-counts");
        var applicationId = "combine-spread-" + guarantee.Replace('_', '-');
        var config = _cluster.Config(applicationId, _cluster.NewStateDir(), guarantee);
        config[StreamsConfig.CommitIntervalMsConfig] = "600000";
        using (var streams = new KafkaStreams(builder.Build(config), config, _logging))
        {
            streams.Start();
            await StreamsTestCluster.WaitUntilAsync(() => Volatile.Read(ref seen) == lines.Length, "every line processed");
            Assert.Equal(4, streams.MetadataForLocalThreads().Single().ActiveTasks.Count(t => t.Subtopology == 0));
            streams.Close();
        }

        var partials = await _cluster.ReadUntilAsync(applicationId + "-words-repartition", r => r.Sum(p => p.Value) >= 4 * lines.Length);
        Assert.Equal([("alpha", 40L), ("beta", 40L), ("delta", 40L), ("gamma", 40L)], partials.OrderBy(p => p.Key, StringComparer.Ordinal));

        // The application again, committing soon, to count them.
        config[StreamsConfig.CommitIntervalMsConfig] = "100";
        using var again = new KafkaStreams(builder.Build(config), config, _logging);
        again.Start();
        var counts = await _cluster.ReadUntilAsync("spread-counts", r => r.Count >= 4);
        Assert.Equal(new Dictionary<string, long> { ["alpha"] = 40, ["beta"] = 40, ["gamma"] = 40, ["delta"] = 40 }, StreamsTestCluster.Latest(counts));
        again.Close();
    }
    [Fact]
    public async Task ExactlyOnce_ThreadLostItsTasksWithCountsHeldBack_CountsEachRecordOnceAfterReadingItAgain()
    {
        // Two lines are counted, held back until a commit (a long interval), when the thread stalls on a third line past
        // max.poll.interval.ms: the group goes on without it, and its tasks are lost (closed dirty, the transaction
        // aborted). They read the lines again from the committed offsets (none): what the combiner held of them is gone.
        await _cluster.CreateTopicAsync("lost-lines", 2);
        await _cluster.ProduceAsync("lost-lines", ("k0", "x y"), ("k1", "x"));
        var seen = 0;
        var stalled = 0;
        var builder = new StreamsBuilder();
        builder.Stream("lost-lines", Consumed.With(Serdes.String, Serdes.String))
            .Peek((_, line) =>
            {
                Interlocked.Increment(ref seen);
                if (line == "stall" && Interlocked.Exchange(ref stalled, 1) == 0)
                {
                    Thread.Sleep(4000);
                }
            })
            .CountWords("lost-counts");
        var config = _cluster.Config("combine-lost", _cluster.NewStateDir(), "exactly_once_v2");
        config[StreamsConfig.CommitIntervalMsConfig] = "600000";
        config["max.poll.interval.ms"] = "1500";
        using (var streams = new KafkaStreams(builder.Build(config), config, _logging))
        {
            streams.Start();
            await StreamsTestCluster.WaitUntilAsync(() => Volatile.Read(ref seen) == 2, "both lines processed");
            await _cluster.ProduceAsync("lost-lines", ("k0", "stall"));

            // The two lines and the stall, then all three again.
            await StreamsTestCluster.WaitUntilAsync(() => Volatile.Read(ref seen) >= 6, "the lines read again after the tasks were lost");
            streams.Close();
        }

        var partials = await _cluster.ReadUntilAsync("combine-lost-words-repartition", r => r.Sum(p => p.Value) >= 4);
        Assert.Equal(new Dictionary<string, long> { ["x"] = 2, ["y"] = 1, ["stall"] = 1 }, partials.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)));
    }
}

/// <summary>The DSL word count the combiner tests run: lines split on spaces, counted per word through the repartition topic <c>words</c>.</summary>
internal static class WordCountDsl
{
    public static void CountWords(this IKStream<string, string> lines, string output)
        => lines.FlatMapValues<string>(line => line!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("word-counts").WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64))
            .ToStream()
            .To(output, Produced.With(Serdes.String, Serdes.Int64));
}
