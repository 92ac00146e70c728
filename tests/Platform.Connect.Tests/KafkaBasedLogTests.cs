using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Broker;
using Platform.Client;
using Platform.Connect.Storage;

namespace Platform.Connect.Tests;

/// <summary>The log behind the configs, offsets and status stores, on a real broker.</summary>
public sealed class KafkaBasedLogTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<string> _applied = new();
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o =>
    {
        o.OffsetsTopicNumPartitions = 1;
        o.TransactionStateLogNumPartitions = 1;
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task ReadToEnd_RecordsOthersWroteToEveryPartition_AllAppliedWhenItCompletes()
    {
        await using var log = await StartLogAsync("log-others", partitions: 3);
        using (var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 30; i++)
            {
                await producer.ProduceAsync(new TopicPartition("log-others", i % 3), new Message<string?, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        await log.ReadToEndAsync().WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"k{i}").Order(), _applied.Order());
    }

    [Fact]
    public async Task ReadToEnd_WhileTheReaderIsIdle_AnswersWithoutWaitingForRecordsOrAPollToRunOut()
    {
        await using var log = await StartLogAsync("log-idle", partitions: 3);

        // Nothing is written: each request finds the reader waiting for records. Before the request woke it, each
        // one waited out the reader's 100 ms poll, so these took more than 2 s; now each is one ListOffsets.
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await log.ReadToEndAsync().WaitAsync(Timeout);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"20 read-to-end requests on an idle log took {clock.ElapsedMilliseconds} ms.");

        // The write a request follows is applied by the time it completes.
        await log.SendAsync(Encoding.UTF8.GetBytes("after"), [1]);
        await log.ReadToEndAsync().WaitAsync(Timeout);
        Assert.Contains("after", _applied);
    }

    [Fact]
    public async Task ReadToEnd_WritersRacingEachOther_EachFindsItsOwnWriteApplied()
    {
        await using var log = await StartLogAsync("log-racing", partitions: 1);

        // Writers of their own (as two workers' REST calls and task config writes are) whose requests may be queued
        // while the reader looks up the ends for another's: those ends may not include their writes.
        var missed = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 0 }).Build();
            for (var i = 0; i < 100; i++)
            {
                var key = $"w{writer}-{i}";
                await producer.ProduceAsync("log-racing", new Message<string?, string> { Key = key, Value = "v" });
                await log.ReadToEndAsync().WaitAsync(Timeout);
                if (!_applied.Contains(key))
                {
                    missed.Enqueue(key);
                }

                await Task.Delay(Random.Shared.Next(3));
            }
        })));

        Assert.Empty(missed);
    }

    [Fact]
    public async Task ReadToEnd_WithATransactionOpenOnTheTopic_CompletesAtTheLastStableOffset()
    {
        await using var log = await StartLogAsync("log-open-tx", partitions: 1);
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, TransactionalId = "log-open-tx", LingerMs = 1 }).Build();
        producer.InitTransactions(Timeout);
        producer.BeginTransaction();
        await producer.ProduceAsync("log-open-tx", new Message<string?, string> { Key = "open", Value = "v" });

        // The log reads committed records only: it is at its end before the open transaction, not waiting for it.
        await log.ReadToEndAsync().WaitAsync(Timeout);
        Assert.DoesNotContain("open", _applied);

        producer.CommitTransaction(Timeout);
        await log.ReadToEndAsync().WaitAsync(Timeout);
        Assert.Contains("open", _applied);
    }

    [Fact]
    public async Task Dispose_WhileTheReaderWaitsForRecords_EndsItsLoop()
    {
        var log = await StartLogAsync("log-dispose", partitions: 1);
        await Task.Delay(200);

        await log.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        // A request after the stop is cancelled, not left waiting.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => log.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private async Task<KafkaBasedLog> StartLogAsync(string topic, int partitions)
    {
        var log = new KafkaBasedLog(topic, _broker.BootstrapServers, r => _applied.Enqueue(Encoding.UTF8.GetString(r.Message!.Key!)), NullLogger.Instance);
        await log.StartAsync(partitions, replicationFactor: 1).WaitAsync(Timeout);
        return log;
    }
}
