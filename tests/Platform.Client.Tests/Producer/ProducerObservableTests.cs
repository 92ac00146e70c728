using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using Platform.Broker;
using Platform.Client.Reactive;
using Platform.Protocol;

namespace Platform.Client.Tests.Producer;

/// <summary><see cref="ProducerObservableExtensions"/> against a real broker on loopback.</summary>
public sealed class ProducerObservableTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 3);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private IProducer<string?, string> Producer(Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = _broker.BootstrapServers };
        configure?.Invoke(config);
        return new ProducerBuilder<string?, string>(config).Build();
    }

    private static Message<string?, string> Value(string value, string? key = null) => new() { Key = key, Value = value };

    [Fact]
    public async Task ProduceObservable_ReportsEveryRecordInPartitionOrder_CompletesWithoutWaitingForLinger()
    {
        await using var producer = Producer(c => c.LingerMs = 60_000);
        var messages = Observable.Range(0, 3000).Select(i => Value($"v-{i}", $"k-{i % 11}"));
        var watch = Stopwatch.StartNew();

        var reports = await producer.ProduceObservable("rx-order", messages).ToList().ToTask().WaitAsync(Wait);

        // Completion flushed the lingering batches instead of waiting a minute for them.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(3000, reports.Count);
        Assert.All(reports, r => Assert.False(r.Error.IsError, r.Error.ToString()));
        Assert.Equal(3, reports.Select(r => r.Partition).Distinct().Count());
        foreach (var partition in reports.GroupBy(r => r.Partition))
        {
            var inPartition = partition.ToList();
            Assert.Equal(Enumerable.Range(0, inPartition.Count).Select(i => (long)i), inPartition.Select(r => r.Offset));
            var sent = inPartition.Select(r => int.Parse(r.Value.AsSpan(2))).ToList();
            Assert.Equal(sent.Order(), sent);
            var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "rx-order", partition.Key, inPartition.Count);
            Assert.Equal(inPartition.Select(r => r.Value), stored.Select(s => s.Value));
        }
    }

    [Fact]
    public async Task ProduceObservable_RecordTooLarge_IsAReportWithError_StreamGoesOnAndCompletes()
    {
        await using var producer = Producer(c => c.MaxRequestSize = 10_000);
        var messages = Observable.Range(0, 21).Select(i => Value(i == 10 ? new string('x', 20_000) : $"v-{i}"));

        var reports = await producer.ProduceObservable(new TopicPartition("rx-errors", 0), messages).ToList().ToTask().WaitAsync(Wait);

        Assert.Equal(21, reports.Count);
        var failed = Assert.Single(reports, r => r.Error.IsError);
        Assert.Equal(ErrorCode.MessageTooLarge, failed.Error.Code);
        Assert.Equal(PersistenceStatus.NotPersisted, failed.Status);
        Assert.Equal(20_000, failed.Value.Length);
        var delivered = reports.Where(r => !r.Error.IsError).ToList();
        Assert.Equal(Enumerable.Range(0, 21).Where(i => i != 10).Select(i => $"v-{i}"), delivered.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), delivered.Select(r => r.Offset));
    }

    [Fact]
    public async Task ProduceObservable_SourceFails_EndsWithOnErrorAfterProducingWhatCameBefore()
    {
        await using var producer = Producer();
        var messages = Observable.Range(0, 5).Select(i => Value($"v-{i}"))
            .Concat(Observable.Throw<Message<string?, string>>(new FormatException("source broke")));

        var ex = await Assert.ThrowsAsync<FormatException>(() => producer.ProduceObservable(new TopicPartition("rx-source-error", 0), messages).ToList().ToTask().WaitAsync(Wait));

        Assert.Equal("source broke", ex.Message);
        await producer.FlushAsync();
        Assert.Equal(5, (await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "rx-source-error", 0, 5)).Count);
    }

    [Fact]
    public async Task ProduceObservable_Unsubscribed_StopsProducing()
    {
        await using var producer = Producer(c => c.LingerMs = 0);
        using var source = new Subject<Message<string?, string>>();
        var reports = new List<DeliveryReport<string?, string>>();
        var fiveReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = false;
        var subscription = producer.ProduceObservable(new TopicPartition("rx-unsubscribe", 0), source).Subscribe(
            r =>
            {
                lock (reports)
                {
                    reports.Add(r);
                    if (reports.Count == 5)
                    {
                        fiveReported.TrySetResult();
                    }
                }
            },
            () => completed = true);

        for (var i = 0; i < 5; i++)
        {
            source.OnNext(Value($"before-{i}"));
        }

        await fiveReported.Task.WaitAsync(Wait);
        subscription.Dispose();
        for (var i = 0; i < 5; i++)
        {
            source.OnNext(Value($"after-{i}"));
        }

        source.OnCompleted();
        await producer.FlushAsync();

        Assert.False(source.HasObservers);
        Assert.False(completed);
        Assert.Equal(5, reports.Count);
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "rx-unsubscribe", 0, 10, TimeSpan.FromSeconds(2));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"before-{i}"), stored.Select(s => s.Value));
    }

    [Fact]
    public async Task ProduceObservable_ProducerDisposed_EndsWithOnError()
    {
        var producer = Producer();
        await producer.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => producer.ProduceObservable("rx-disposed", Observable.Return(Value("v"))).ToList().ToTask().WaitAsync(Wait));
    }
}
