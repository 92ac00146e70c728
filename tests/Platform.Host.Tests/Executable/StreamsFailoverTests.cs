using System.Globalization;
using Platform.Client;
using Platform.Examples.WordCount;
using Platform.Protocol.Messages;
using Platform.Streams;
using Platform.Streams.Tests.Examples;
using Platform.Streams.Tests.Runtime;
using Xunit.Abstractions;

namespace Platform.Host.Tests.Executable;

/// <summary>
/// The WordCount example (exactly_once_v2: repartition topic, changelogged count store, output written in
/// transactions) in this process, on three broker processes (RF 3, min.insync.replicas 2) while lines keep
/// arriving: each broker in turn, the group's coordinator first, is SIGKILLed and started again, so every
/// partition's leader and the transaction and group coordinators move at least once. Read with read_committed,
/// every word's count updates rise one by one to its true count: nothing lost, nothing counted twice.
/// </summary>
public sealed class StreamsFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ApplicationId = "wc-failover";
    private const int Partitions = 3;

    private static readonly string[] Vocabulary =
        ["apple", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper", "kestrel", "larch"];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartAsync(ProcessCluster.FailoverProperties);
        foreach (var topic in new[] { WordCountTopology.InputTopic, WordCountTopology.OutputTopic })
        {
            await _cluster.CreateTopicAsync(topic, Partitions, 3, ("min.insync.replicas", "2"));
        }
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task WordCount_ExactlyOnceWhileEachBrokerIsKilledInTurn_CountsExact()
    {
        using var logging = TestOutputLogger.Factory(output);
        using var streams = new KafkaStreams(WordCountTopology.Build(), new StreamsConfig(new Dictionary<string, string>
        {
            ["application.id"] = ApplicationId,
            ["bootstrap.servers"] = _cluster.BootstrapServers,
            ["state.dir"] = Path.Combine(_cluster.Dir, "streams"),
            ["processing.guarantee"] = StreamsConfig.ExactlyOnceV2,
            ["replication.factor"] = "3",
            ["commit.interval.ms"] = "100",
            ["consumer.session.timeout.ms"] = "10000",
            ["consumer.heartbeat.interval.ms"] = "500",
            ["consumer.fetch.max.wait.ms"] = "50",
            ["producer.linger.ms"] = "5",
        }), logging);
        streams.Start();
        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(streams.State == KafkaStreamsState.Running), Timeout), $"Streams is {streams.State}");

        var truth = new Dictionary<string, long>();
        using var stopFeeding = new CancellationTokenSource();
        var feeder = Task.Run(() => FeedAsync(truth, stopFeeding.Token));
        var coordinator = await _cluster.CoordinatorAsync(ApplicationId, keyType: 0);
        foreach (var broker in new[] { coordinator }.Concat(Enumerable.Range(1, 3).Where(id => id != coordinator)))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(feeder.IsFaulted, feeder.Exception?.ToString());
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killing broker {broker}");
            await _cluster.Broker(broker).KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            await _cluster.StartBrokerAsync(broker);
            foreach (var topic in Topics)
            {
                await _cluster.WaitForFullIsrAsync(topic, Partitions);
            }

            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} broker {broker} back in every ISR");
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        await stopFeeding.CancelAsync();
        var lines = await feeder;

        var anomalies = WordCountChecks.Anomalies(truth, await ReadCountsAsync(truth));
        output.WriteLine($"{lines} lines fed, {truth.Values.Sum()} words");
        Assert.True(anomalies.Count == 0, string.Join("; ", anomalies.Take(20)));
        Assert.Null(streams.FatalException);
        Assert.Equal(KafkaStreamsState.Running, streams.State);
    }

    /// <summary>Every topic the application reads or writes, its internal ones included.</summary>
    private static string[] Topics =>
    [
        WordCountTopology.InputTopic, WordCountTopology.OutputTopic, $"{ApplicationId}-words-repartition", $"{ApplicationId}-{WordCountTopology.StoreName}-changelog",
    ];

    /// <summary>Writes lines of random words (idempotent, acks=all) until cancelled, counting the words of every acknowledged line.</summary>
    private async Task<long> FeedAsync(Dictionary<string, long> truth, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        }).Build();
        var random = new Random();
        long lines = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = Enumerable.Range(0, 5)
                .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 6)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)])))
                .ToList();
            await Task.WhenAll(batch.Select(line => producer.ProduceAsync(WordCountTopology.InputTopic, new Message<string?, string> { Key = null, Value = line }, CancellationToken.None)));
            foreach (var word in batch.SelectMany(WordCountTopology.SplitWords))
            {
                truth[word] = truth.GetValueOrDefault(word) + 1;
            }

            lines += batch.Count;
            await Task.Delay(20, CancellationToken.None);
        }

        return lines;
    }

    /// <summary>Reads the counts (read_committed) until every word shows its true count, or the time is up.</summary>
    private async Task<List<(string Word, long Count)>> ReadCountsAsync(Dictionary<string, long> truth)
    {
        var records = new List<(string, long)>();
        var latest = new Dictionary<string, long>();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchMaxWaitMs = 50,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(WordCountTopology.OutputTopic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && !truth.All(t => latest.GetValueOrDefault(t.Key) == t.Value))
        {
            foreach (var result in consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)))
            {
                var count = long.Parse(result.Message!.Value, CultureInfo.InvariantCulture);
                records.Add((result.Message.Key, count));
                latest[result.Message.Key] = count;
            }

            await Task.Yield();
        }

        // Anything a duplicate would add comes right behind: read on a moment.
        var quiet = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < quiet)
        {
            records.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)).Select(r => (r.Message!.Key, long.Parse(r.Message.Value, CultureInfo.InvariantCulture))));
        }

        return records;
    }
}
