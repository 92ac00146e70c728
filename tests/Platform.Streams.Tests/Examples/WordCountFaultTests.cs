using System.Globalization;
using Platform.Client;
using Platform.Examples.WordCount;
using Platform.Streams.Tests.Runtime;
using Xunit.Abstractions;

namespace Platform.Streams.Tests.Examples;

/// <summary>
/// The WordCount example as a child process on a real broker, killed with SIGKILL at random points while lines keep
/// arriving and restarted each time: under exactly_once_v2 the committed output is exact, under at_least_once it is not.
/// </summary>
public sealed class WordCountFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Kills = 3;

    private static readonly string[] Vocabulary =
        ["apple", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper", "kestrel", "larch", "maple", "nectar", "osprey", "plum"];

    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task WordCount_ExactlyOnceKilledWhileInputFlows_CountsExactAndStrictlyIncreasing()
    {
        var run = await RunWithKillsAsync("exactly_once_v2");

        Assert.True(run.Anomalies.Count == 0, $"exactly_once_v2 broke: {string.Join("; ", run.Anomalies)}");
        Assert.True(run.Lines > 0 && run.Records > 0, "the test fed and read nothing");
    }

    [Fact]
    public async Task WordCount_AtLeastOnceKilledWhileInputFlows_ReprocessingShowsInTheCounts()
    {
        var run = await RunWithKillsAsync("at_least_once");

        // Lines processed after the last commit before a kill are processed again after the restart: their words were
        // already in the repartition topic (the combiner is off here), so they are counted twice. This is the
        // difference exactly-once removes.
        Assert.True(run.Anomalies.Count > 0, $"at_least_once showed no duplicate after {Kills} kills of {run.Lines} lines");
    }

    private async Task<RunResult> RunWithKillsAsync(string guarantee)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, guarantee {guarantee}");
        var arguments = new[] { "--bootstrap-server", _cluster.BootstrapServers, "--processing-guarantee", guarantee, "--application-id", "wc-faults" };
        var environment = new Dictionary<string, string>
        {
            // The restarted instance finds its process id, state and (under EOS) transactional id here.
            ["Streams__state.dir"] = _cluster.NewStateDir(),
            // A killed member stays in the group until its session ends: keep that short so restarts rebalance quickly.
            ["Streams__consumer.session.timeout.ms"] = "6000",
            ["Streams__consumer.heartbeat.interval.ms"] = "500",
            ["Streams__consumer.fetch.max.wait.ms"] = "50",
        };
        if (guarantee == "at_least_once")
        {
            // With the count's combiner, words reach the repartition topic only at a commit, right before its
            // offsets are committed, so a kill seldom falls between the two; without it every word goes at once.
            environment["Streams__topology.optimization"] = "none";
        }

        var truth = new Dictionary<string, long>();
        var example = ExampleProcess.Start("WordCount", arguments, environment);
        try
        {
            await example.WaitForOutputAsync("to Running");
            using var stopFeeding = new CancellationTokenSource();
            var feeder = Task.Run(() => FeedAsync(truth, stopFeeding.Token));
            for (var kill = 1; kill <= Kills; kill++)
            {
                await Task.Delay(random.Next(500, 2500));
                Assert.False(feeder.IsFaulted, feeder.Exception?.ToString());
                await example.KillAsync();
                output.WriteLine($"killed instance {kill} (pid {example.Id}) after {example.Lines.Count} lines of output");
                example.Dispose();
                example = ExampleProcess.Start("WordCount", arguments, environment);
                await example.WaitForOutputAsync("to Running");
            }

            await Task.Delay(random.Next(500, 1500));
            await stopFeeding.CancelAsync();
            var lines = await feeder;

            var records = await ReadCountsAsync(truth, exact: guarantee == StreamsConfig.ExactlyOnceV2);
            Assert.Equal(0, await example.TerminateAsync());
            var anomalies = WordCountChecks.Anomalies(truth, records);
            output.WriteLine($"{lines} lines fed, {records.Count} count updates read, {anomalies.Count} anomalies");
            foreach (var anomaly in anomalies.Take(20))
            {
                output.WriteLine("  " + anomaly);
            }

            return new RunResult(lines, records.Count, anomalies);
        }
        finally
        {
            output.WriteLine(example.Tail(15));
            example.Dispose();
        }
    }

    /// <summary>Writes lines of random words until cancelled, counting every word the broker acknowledged.</summary>
    private async Task<long> FeedAsync(Dictionary<string, long> truth, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build();
        var random = new Random();
        long lines = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = Enumerable.Range(0, 5)
                .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(2) == 0 ? Vocabulary[random.Next(Vocabulary.Length)] : Vocabulary[random.Next(Vocabulary.Length)].ToUpperInvariant())))
                .ToList();
            await Task.WhenAll(batch.Select(line => producer.ProduceAsync(WordCountTopology.InputTopic, new Message<string?, string> { Key = null, Value = line }, CancellationToken.None)));
            foreach (var word in batch.SelectMany(WordCountTopology.SplitWords))
            {
                truth[word] = truth.GetValueOrDefault(word) + 1;
            }

            lines += batch.Count;
            await Task.Delay(10, CancellationToken.None);
        }

        return lines;
    }

    /// <summary>
    /// Reads <c>word-counts</c> (read_committed) until every word reached its true count (<paramref name="exact"/>: exactly
    /// it, else at least it and no more updates for two seconds) or a minute passed; what was read is judged afterwards.
    /// </summary>
    private async Task<List<(string Word, long Count)>> ReadCountsAsync(Dictionary<string, long> truth, bool exact)
    {
        var records = new List<(string, long)>();
        var latest = new Dictionary<string, long>();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Subscribe(WordCountTopology.OutputTopic);
        var deadline = Environment.TickCount64 + 60000;
        long? caughtUpAt = null;
        var lastRecordAt = Environment.TickCount64;
        while (Environment.TickCount64 < deadline)
        {
            foreach (var result in consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)))
            {
                var count = long.Parse(result.Message!.Value, CultureInfo.InvariantCulture);
                records.Add((result.Message.Key, count));
                latest[result.Message.Key] = count;
                lastRecordAt = Environment.TickCount64;
            }

            var reached = truth.All(t => exact ? latest.GetValueOrDefault(t.Key) == t.Value : latest.GetValueOrDefault(t.Key) >= t.Value);
            if (reached && exact)
            {
                break;
            }

            caughtUpAt = reached ? caughtUpAt ?? Environment.TickCount64 : null;
            if (caughtUpAt is not null && Environment.TickCount64 - lastRecordAt > 2000)
            {
                break;
            }

            await Task.Yield();
        }

        return records;
    }

    private sealed record RunResult(long Lines, int Records, List<string> Anomalies);
}
