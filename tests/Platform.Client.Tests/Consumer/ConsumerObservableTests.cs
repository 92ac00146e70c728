using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Platform.Broker;
using Platform.Client.Reactive;
using Platform.Client.Serialization;
using Platform.Protocol;

namespace Platform.Client.Tests.Consumer;

/// <summary><see cref="ConsumerObservableExtensions"/> with System.Reactive operators, against a real broker on loopback.</summary>
public sealed class ConsumerObservableTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private IConsumer<Ignore, string> Consumer(Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, FetchMaxWaitMs = 100 };
        configure?.Invoke(config);
        return new ConsumerBuilder<Ignore, string>(config).Build();
    }

    private async Task ProduceAsync(string topic, int count)
    {
        await using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        for (var i = 0; i < count; i++)
        {
            producer.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = $"v-{i}" });
        }

        Assert.Equal(0, producer.Flush(Wait));
    }

    [Fact]
    public async Task ToObservable_TakeUnsubscribesFromInsideOnNext_WithoutDeadlock()
    {
        await ProduceAsync("rx-take", 30);
        await using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("rx-take", 0, Offset.Beginning));

        var values = await consumer.ToObservable().Take(15).Select(r => r.Message!.Value).ToList().ToTask().WaitAsync(Wait);

        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"v-{i}"), values);
    }

    [Fact]
    public async Task ToObservable_Disposed_WaitsForTheLoop_ConsumerGoesOnFromTheNextRecord()
    {
        await ProduceAsync("rx-resume", 200);
        await using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("rx-resume", 0, Offset.Beginning));
        var seen = new List<long>();
        var tenSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using (consumer.ToObservable().Subscribe(r =>
        {
            lock (seen)
            {
                seen.Add(r.Offset.Value);
                if (seen.Count == 10)
                {
                    tenSeen.TrySetResult();

                    // Hold the loop so the subscription is disposed in the middle of the stream, not after its end.
                    Thread.Sleep(500);
                }
            }
        }))
        {
            await tenSeen.Task.WaitAsync(Wait);
        }

        // Dispose returned: the loop is over, so the consumer is ours again and has lost nothing.
        var next = consumer.Consume(Wait);
        Assert.InRange(seen.Count, 10, 199);
        Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => (long)i), seen);
        Assert.Equal(seen.Count, next!.Offset.Value);
    }

    [Fact]
    public async Task ToObservable_ConsumeError_EndsWithOnError()
    {
        await ProduceAsync("rx-error", 3);
        await using var consumer = Consumer(c => c.AutoOffsetReset = AutoOffsetReset.Error);
        consumer.Assign(new TopicPartitionOffset("rx-error", 0, 1000));

        var ex = await Assert.ThrowsAsync<KafkaException>(() => consumer.ToObservable().ToList().ToTask().WaitAsync(Wait));

        Assert.Equal(ErrorCode.OffsetOutOfRange, ex.Error.Code);
    }

    [Fact]
    public async Task ToObservable_SecondConcurrentSubscriber_GetsOnError()
    {
        await ProduceAsync("rx-twice", 1);
        await using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("rx-twice", 0, Offset.Beginning));
        var observable = consumer.ToObservable();

        using var first = observable.Subscribe(_ => { }, _ => { });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => observable.FirstAsync().ToTask().WaitAsync(Wait));

        Assert.Contains("one subscription at a time", ex.Message);
    }
}
