using System.Diagnostics;
using Platform.Broker;
using Platform.Client.Serialization;
using Platform.Protocol;

namespace Platform.Client.Tests.Producer;

/// <summary>
/// <c>buffer.memory</c> full: <c>ProduceAsync</c> waits for it without holding its caller's thread,
/// up to <c>max.block.ms</c> or its token, and records that waited keep their order.
/// </summary>
public sealed class ProducerBufferTests
{
    private const int MaxBlockMs = 1500;

    /// <summary>64 KiB of buffer in 16 KiB batches: four batches of about fifteen 1000-byte records.</summary>
    private static ProducerConfig TinyBuffer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        BufferMemory = 64 * 1024,
        BatchSize = 16 * 1024,
        MaxBlockMs = MaxBlockMs,
        DeliveryTimeoutMs = 3000,
        RequestTimeoutMs = 2000,
    };

    /// <summary>A producer whose broker went away after the first record, so its buffer never drains.</summary>
    private static async Task<IProducer<Null, byte[]>> StuckProducerAsync()
    {
        var broker = await EmbeddedBroker.StartAsync();
        var producer = new ProducerBuilder<Null, byte[]>(TinyBuffer(broker.BootstrapServers)).Build();
        await producer.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, byte[]> { Value = new byte[10] });
        await broker.DisposeAsync();
        return producer;
    }

    [Fact]
    public async Task ProduceAsync_BufferFull_ReturnsAtOnce_FailsAfterMaxBlockNamingTheBuffer()
    {
        using var producer = await StuckProducerAsync();
        var watch = Stopwatch.StartNew();
        var failedAt = new long[200];

        var tasks = Enumerable.Range(0, 200).Select(i =>
        {
            var task = producer.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, byte[]> { Value = new byte[1000] });
            return task.ContinueWith(t => { failedAt[i] = watch.ElapsedMilliseconds; return t; }, TaskScheduler.Default).Unwrap();
        }).ToList();
        var calling = watch.Elapsed;

        // The buffer holds some sixty records; the rest wait for it, and none of the 200 calls blocked for that.
        Assert.InRange(calling, TimeSpan.Zero, TimeSpan.FromMilliseconds(MaxBlockMs / 3));
        Assert.All(tasks, t => Assert.False(t.IsCompleted));
        var outcomes = await Task.WhenAll(tasks.Select(async t => await Record.ExceptionAsync(() => t)));
        var bufferFailures = Enumerable.Range(0, 200).Where(i => outcomes[i] is KafkaException and not ProduceException<Null, byte[]>).ToList();
        Assert.InRange(bufferFailures.Count, 100, 150);
        Assert.All(bufferFailures, i =>
        {
            var ex = (KafkaException)outcomes[i]!;
            Assert.Equal(ErrorCode.RequestTimedOut, ex.Error.Code);
            Assert.Contains("buffer.memory", ex.Message);
            Assert.InRange(failedAt[i], MaxBlockMs - 100, MaxBlockMs + 2000);
        });

        // The ones that made it into the buffer expire with their batches instead.
        Assert.All(outcomes.Where((_, i) => !bufferFailures.Contains(i)), ex => Assert.IsType<ProduceException<Null, byte[]>>(ex));
        Assert.Equal(Enumerable.Range(bufferFailures[0], bufferFailures.Count), bufferFailures);
    }

    [Fact]
    public async Task ProduceAsync_BufferFull_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        using var producer = await StuckProducerAsync();
        var filling = Enumerable.Range(0, 80)
            .Select(_ => producer.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, byte[]> { Value = new byte[1000] }))
            .ToList();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();

        var waiting = producer.ProduceAsync(new TopicPartition("stuck", 0), new Message<Null, byte[]> { Value = new byte[1000] }, cancel.Token);

        Assert.False(waiting.IsCompleted);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(MaxBlockMs - 300));
        await Task.WhenAll(filling.Select(t => Record.ExceptionAsync(() => t)));
    }

    [Fact]
    public async Task ProduceAsync_TinyBuffer_ThousandsOfCallsAtOnce_AllDeliveredInCallOrder()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        var config = TinyBuffer(broker.BootstrapServers);
        config.MaxBlockMs = 30_000;
        config.DeliveryTimeoutMs = 30_000;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var payload = new string('x', 1000);

        var watch = Stopwatch.StartNew();

        // Ten times what the buffer holds, to a topic not known yet: the calls wait in line for metadata,
        // then most of them for memory the sender frees.
        var tasks = Enumerable.Range(0, 1000)
            .Select(i => producer.ProduceAsync(new TopicPartition("in-line", 0), new Message<Null, string> { Value = $"{i:D4}{payload}" }))
            .ToList();
        var calling = watch.Elapsed;
        var results = await Task.WhenAll(tasks);

        Assert.InRange(calling, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), results.Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"{i:D4}"), results.Select(r => r.Value[..4]));
        var stored = await PartitionReader.ReadAllAsync(broker.BootstrapServers, "in-line", 0, 1001, TimeSpan.FromSeconds(2));
        Assert.Equal(results.Select(r => r.Value), stored.Select(s => s.Value));
    }
}
