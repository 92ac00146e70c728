using System.Text;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Reactive;
using Platform.Client.Serialization;
using Platform.Protocol;

namespace Platform.Client.Tests.Consumer;

/// <summary>The consumer against a real broker on loopback, fed by kcat.</summary>
public sealed class ConsumerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private IConsumer<string?, string?> Consumer(Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, FetchMaxWaitMs = 100 };
        configure?.Invoke(config);
        return new ConsumerBuilder<string?, string?>(config).Build();
    }

    private Task ProduceAsync(string topic, string lines, params string[] extra) => Kcat.ProduceAsync(_broker.BootstrapServers, topic, lines, extra);

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        await using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private static string Lines(int count, string prefix, int from = 0)
        => string.Concat(Enumerable.Range(from, count).Select(i => $"key-{i % 7}:{prefix}-value-{i}\n"));

    private static List<ConsumeResult<TKey, TValue>> Take<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count)
    {
        var results = new List<ConsumeResult<TKey, TValue>>();
        while (results.Count < count)
        {
            var result = consumer.Consume(Wait) ?? throw new TimeoutException($"Only {results.Count} of {count} records arrived.");
            results.Add(result);
        }

        return results;
    }

    private static string Format(IEnumerable<ConsumeResult<string?, string?>> results)
        => string.Concat(results.Select(r => $"{r.Message!.Key}:{r.Message.Value}\n"));

    /// <summary>This thread's CPU time so far (Linux: utime and stime of /proc/thread-self/stat, in 1/100 s).</summary>
    private static TimeSpan ThreadCpu()
    {
        var fields = File.ReadAllText("/proc/thread-self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return TimeSpan.FromSeconds((long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Consume_WithATokenAndNothingToRead_WaitsWithoutSpinning_ThenReturnsTheRecordThatComes(bool async)
    {
        await CreateTopicAsync("idle", 1);
        using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("idle", 0, Offset.Beginning));
        ConsumeResult<string?, string?> Consume(CancellationToken token)
            => async ? consumer.ConsumeAsync(token).AsTask().GetAwaiter().GetResult() : consumer.Consume(token);

        // A second of waiting for nothing, on a thread of its own: a busy wait would use about that much of its CPU.
        var (cpu, cancelled) = await Task.Factory.StartNew(
            () =>
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                var before = ThreadCpu();
                try
                {
                    Consume(cts.Token);
                    return (ThreadCpu() - before, false);
                }
                catch (OperationCanceledException)
                {
                    return (ThreadCpu() - before, true);
                }
            },
            TaskCreationOptions.LongRunning);

        Assert.True(cancelled);
        Assert.True(cpu < TimeSpan.FromMilliseconds(300), $"The consumer used {cpu.TotalMilliseconds} ms of CPU waiting 1 s for nothing.");

        var waiting = Task.Factory.StartNew(() => Consume(CancellationToken.None), TaskCreationOptions.LongRunning);
        await ProduceAsync("idle", "k:came later\n", "-K:");
        var result = await waiting.WaitAsync(Wait);
        Assert.Equal("came later", result.Message!.Value);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Consume_KcatProducedEachCodec_RoundTripsExactly(string codec)
    {
        var topic = "codec-" + codec;
        var input = Lines(3000, codec);
        await ProduceAsync(topic, input, "-K:", "-z", codec, "-X", "linger.ms=5");
        using var consumer = Consumer();

        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var results = Take(consumer, 3000);

        Assert.Equal(input, Format(results));
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => (long)i), results.Select(r => r.Offset.Value));
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(3000, consumer.Position(new TopicPartition(topic, 0)).Value);
    }

    [Fact]
    public async Task Consume_KcatRecordWithHeadersNullKey_MatchesWhatKcatReads()
    {
        await ProduceAsync("headers", "k1:v1\n", "-K:", "-H", "trace=abc", "-H", "empty=", "-H", "trace=def");
        await ProduceAsync("headers", "no-key-value\n");
        var kcat = await Kcat.RunAsync(_broker.BootstrapServers, null, "-C", "-t", "headers", "-o", "beginning", "-e", "-q", "-f", "%T\n");
        var kcatTimestamps = kcat.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        using var consumer = Consumer();

        consumer.Assign(new TopicPartitionOffset("headers", 0, Offset.Beginning));
        var results = Take(consumer, 2);

        var first = results[0].Message!;
        Assert.Equal(("k1", "v1"), (first.Key, first.Value));
        Assert.Equal(
            [("trace", "abc"), ("empty", ""), ("trace", "def")],
            first.Headers!.Select(h => (h.Key, Encoding.UTF8.GetString(h.GetValueBytes() ?? []))));
        Assert.Equal(TimestampType.CreateTime, first.Timestamp.Type);
        Assert.Equal(kcatTimestamps, results.Select(r => r.Message!.Timestamp.UnixTimestampMs));
        Assert.Null(results[1].Message!.Key);
        Assert.Equal("no-key-value", results[1].Message!.Value);
        Assert.Empty(results[1].Message!.Headers!);
        Assert.Equal(("headers", 0), (results[1].Topic, results[1].Partition));
    }

    [Fact]
    public async Task Seek_ToOffsetBeginningAndEnd_NextRecordIsThere()
    {
        await ProduceAsync("seek", Lines(100, "seek"), "-K:");
        var tp = new TopicPartition("seek", 0);
        using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset(tp, 10));
        Assert.Equal(10, Take(consumer, 1)[0].Offset.Value);

        consumer.Seek(new TopicPartitionOffset(tp, 90));
        Assert.Equal(90, consumer.Position(tp).Value);
        Assert.Equal(Enumerable.Range(90, 10).Select(i => (long)i), Take(consumer, 10).Select(r => r.Offset.Value));

        consumer.SeekToBeginning([tp]);
        Assert.Equal(0, Take(consumer, 1)[0].Offset.Value);

        consumer.SeekToEnd([tp]);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(100, consumer.Position(tp).Value);
        await ProduceAsync("seek", "after:end\n", "-K:");
        var next = Take(consumer, 1)[0];
        Assert.Equal((100L, "end"), (next.Offset.Value, next.Message!.Value));
    }

    [Fact]
    public async Task OffsetsForTimes_ThenSeek_ReplaysFromThatTime()
    {
        await ProduceAsync("times", "early-1\nearly-2\n");
        await Task.Delay(1000);
        var boundary = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Task.Delay(100);
        await ProduceAsync("times", "late-1\nlate-2\n");
        var tp = new TopicPartition("times", 0);
        using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset(tp, Offset.End));

        var offsets = consumer.OffsetsForTimes([new TopicPartitionTimestamp(tp, new Timestamp(boundary, TimestampType.CreateTime))], Wait);
        var future = consumer.OffsetsForTimes([new TopicPartitionTimestamp(tp, new Timestamp(boundary + 3_600_000, TimestampType.CreateTime))], Wait);
        consumer.Seek(Assert.Single(offsets));

        Assert.Equal(2, offsets[0].Offset.Value);
        Assert.Equal(Offset.End, Assert.Single(future).Offset);
        Assert.Equal(["late-1", "late-2"], Take(consumer, 2).Select(r => r.Message!.Value));
    }

    [Fact]
    public async Task PauseResume_PausedPartitionYieldsNothingUntilResumed()
    {
        await CreateTopicAsync("paused", 2);
        await ProduceAsync("paused", "a0\na1\n", "-p", "0");
        await ProduceAsync("paused", "b0\nb1\n", "-p", "1");
        var p0 = new TopicPartition("paused", 0);
        using var consumer = Consumer();
        consumer.Assign([new TopicPartitionOffset(p0, Offset.Beginning), new TopicPartitionOffset("paused", 1, Offset.Beginning)]);

        consumer.Pause([p0]);
        var whilePaused = Take(consumer, 2);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));
        Assert.Equal([p0], consumer.Paused);
        consumer.Resume([p0]);
        var afterResume = Take(consumer, 2);

        Assert.Equal(["b0", "b1"], whilePaused.Select(r => r.Message!.Value));
        Assert.Equal(["a0", "a1"], afterResume.Select(r => r.Message!.Value));
    }

    [Fact]
    public async Task ConsumeBatchAndRaw_ReturnAtMostMaxPollRecords()
    {
        await ProduceAsync("batches", Lines(50, "batch"), "-K:");
        using var consumer = Consumer(c => c.MaxPollRecords = 7);
        consumer.Assign(new TopicPartitionOffset("batches", 0, Offset.Beginning));

        var batch = consumer.ConsumeBatch(Wait);
        var offsets = new List<long>();
        var raw = consumer.ConsumeRaw(r => offsets.Add(r.Offset), Wait);
        var rest = new List<int>();
        while (offsets.Count < 43)
        {
            var before = offsets.Count;
            rest.Add(consumer.ConsumeRaw(r => offsets.Add(r.Offset), Wait));
            Assert.True(offsets.Count > before);
        }

        Assert.Equal(7, batch.Count);
        Assert.Equal(7, raw);
        Assert.All(rest, n => Assert.InRange(n, 1, 7));
        Assert.Equal(Enumerable.Range(7, 43).Select(i => (long)i), offsets);
    }

    [Fact]
    public async Task ConsumeAllAsync_StreamsRecordsUntilCancelled()
    {
        await ProduceAsync("stream", Lines(20, "stream"), "-K:");
        await using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("stream", 0, Offset.Beginning));
        using var cts = new CancellationTokenSource(Wait);

        var seen = new List<long>();
        await foreach (var result in consumer.ConsumeAllAsync(cts.Token))
        {
            seen.Add(result.Offset);
            if (seen.Count == 20)
            {
                await cts.CancelAsync();
            }
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task ToObservable_PushesRecordsUntilUnsubscribed()
    {
        await ProduceAsync("observed", Lines(15, "obs"), "-K:");
        await using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset("observed", 0, Offset.Beginning));
        var observer = new CollectingObserver(15);

        using (consumer.ToObservable().Subscribe(observer))
        {
            Assert.True(await observer.Done.Task.WaitAsync(Wait));
        }

        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"obs-value-{i}"), observer.Values);
        Assert.Null(observer.Error);
    }

    private sealed class CollectingObserver(int expected) : IObserver<ConsumeResult<string?, string?>>
    {
        public List<string?> Values { get; } = [];

        public Exception? Error { get; private set; }

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnNext(ConsumeResult<string?, string?> value)
        {
            Values.Add(value.Message!.Value);
            if (Values.Count == expected)
            {
                Done.TrySetResult(true);
            }
        }

        public void OnError(Exception error)
        {
            Error = error;
            Done.TrySetResult(false);
        }

        public void OnCompleted() => Done.TrySetResult(false);
    }

    [Fact]
    public async Task AutoOffsetReset_EarliestLatestAndNone()
    {
        await ProduceAsync("reset", Lines(5, "old"), "-K:");
        using var earliest = Consumer(c => c.AutoOffsetReset = AutoOffsetReset.Earliest);
        using var latest = Consumer();
        using var none = Consumer(c => c.AutoOffsetReset = AutoOffsetReset.Error);
        earliest.Assign(new TopicPartition("reset", 0));
        latest.Assign(new TopicPartition("reset", 0));
        none.Assign(new TopicPartition("reset", 0));

        Assert.Equal(0, Take(earliest, 1)[0].Offset.Value);
        Assert.Null(latest.Consume(TimeSpan.FromMilliseconds(500)));
        await ProduceAsync("reset", "new:fresh\n", "-K:");
        Assert.Equal("fresh", Take(latest, 1)[0].Message!.Value);
        var ex = Assert.Throws<KafkaException>(() => none.Consume(Wait));
        Assert.Equal(ErrorCode.OffsetOutOfRange, ex.Error.Code);
        Assert.Contains("reset-0", ex.Message);
    }

    [Fact]
    public async Task OffsetOutOfRange_ResetsPerPolicyOrSurfaces()
    {
        await ProduceAsync("range", Lines(5, "range"), "-K:");
        using var earliest = Consumer(c => c.AutoOffsetReset = AutoOffsetReset.Earliest);
        using var none = Consumer(c => c.AutoOffsetReset = AutoOffsetReset.Error);
        earliest.Assign(new TopicPartitionOffset("range", 0, 1000));
        none.Assign(new TopicPartitionOffset("range", 0, 1000));

        Assert.Equal(0, Take(earliest, 1)[0].Offset.Value);
        var ex = Assert.Throws<KafkaException>(() => none.Consume(Wait));
        Assert.Equal(ErrorCode.OffsetOutOfRange, ex.Error.Code);
        Assert.Contains("1000", ex.Message);

        none.Seek(new TopicPartitionOffset("range", 0, 3));
        Assert.Equal(3, Take(none, 1)[0].Offset.Value);
    }

    [Fact]
    public async Task Deserializer_Throws_ConsumeExceptionWithCoordinates_ThenGoesOn()
    {
        await ProduceAsync("ints", "1234\nxy\n5678\n");
        using var consumer = new ConsumerBuilder<Ignore, int>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers })
            .SetValueDeserializer(new Ascii4Deserializer())
            .Build();
        consumer.Assign(new TopicPartitionOffset("ints", 0, Offset.Beginning));

        var first = consumer.Consume(Wait);
        var ex = Assert.Throws<ConsumeException>(() => consumer.Consume(Wait));
        var third = consumer.Consume(Wait);

        Assert.Equal(1234, first!.Message!.Value);
        Assert.Equal(ErrorCode.InvalidRecord, ex.Error.Code);
        Assert.Equal(("ints", 0, 1L), (ex.ConsumerRecord.Topic, ex.ConsumerRecord.Partition, ex.ConsumerRecord.Offset.Value));
        Assert.Equal("xy"u8.ToArray(), ex.ConsumerRecord.Message!.Value);
        Assert.Contains("ints-0 offset 1", ex.Message);
        Assert.IsType<FormatException>(ex.InnerException);
        Assert.Equal(5678, third!.Message!.Value);
    }

    private sealed class Ascii4Deserializer : IDeserializer<int>
    {
        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => data.Length == 4 ? int.Parse(Encoding.ASCII.GetString(data)) : throw new FormatException($"Expected 4 digits, got {data.Length} bytes.");
    }

    [Fact]
    public async Task AsyncDeserializer_AwaitedByConsumeAsync_WaitedForByConsume()
    {
        await ProduceAsync("async-serde", "k1:abc\nk2:def\n", "-K:");
        await using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers })
            .SetKeyDeserializer(Deserializers.Utf8!)
            .SetValueDeserializer(new ReversingDeserializer())
            .Build();
        consumer.Assign(new TopicPartitionOffset("async-serde", 0, Offset.Beginning));

        var first = await consumer.ConsumeAsync(new CancellationTokenSource(Wait).Token);
        var second = consumer.Consume(Wait);

        Assert.Equal(("k1", "cba"), (first.Message!.Key, first.Message.Value));
        Assert.Equal(("k2", "fed"), (second!.Message!.Key, second.Message.Value));
    }

    private sealed class ReversingDeserializer : IAsyncDeserializer<string>
    {
        public async Task<string> DeserializeAsync(ReadOnlyMemory<byte> data, bool isNull, SerializationContext context, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var chars = Encoding.UTF8.GetString(data.Span).ToCharArray();
            Array.Reverse(chars);
            return new string(chars);
        }
    }

    [Fact]
    public async Task EnablePartitionEof_ReportsEndOnceUntilNewRecords()
    {
        await ProduceAsync("eof", "a\nb\n");
        using var consumer = Consumer(c => c.EnablePartitionEof = true);
        consumer.Assign(new TopicPartitionOffset("eof", 0, Offset.Beginning));

        var results = Take(consumer, 3);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(400)));
        await ProduceAsync("eof", "c\n");
        var more = Take(consumer, 2);

        Assert.Equal([false, false, true], results.Select(r => r.IsPartitionEOF));
        Assert.Equal(2, results[2].Offset.Value);
        Assert.Equal(("c", true), (more[0].Message!.Value, more[1].IsPartitionEOF));
    }

    [Fact]
    public async Task Watermarks_QueriedAndCachedFromFetch()
    {
        await ProduceAsync("marks", Lines(12, "m"), "-K:");
        var tp = new TopicPartition("marks", 0);
        using var consumer = Consumer();
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));

        var queried = consumer.QueryWatermarkOffsets(tp, Wait);
        Take(consumer, 1);
        var cached = consumer.GetWatermarkOffsets(tp);

        Assert.Equal((0L, 12L), (queried.Low.Value, queried.High.Value));
        Assert.Equal(12, cached.High.Value);
    }

    [Fact]
    public async Task Interceptor_SeesEveryRecordBeforeTheApplication()
    {
        await ProduceAsync("intercepted", "a\nb\n");
        var interceptor = new UpperCasingInterceptor();
        using var consumer = new ConsumerBuilder<Ignore, string?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers })
            .AddInterceptor(interceptor)
            .Build();
        consumer.Assign(new TopicPartitionOffset("intercepted", 0, Offset.Beginning));

        var values = Take(consumer, 2).Select(r => r.Message!.Value).ToList();
        consumer.Close();

        Assert.Equal(["A", "B"], values);
        Assert.Equal(2, interceptor.Seen);
        Assert.True(interceptor.Closed);
    }

    private sealed class UpperCasingInterceptor : IConsumerInterceptor<Ignore, string?>
    {
        public int Seen { get; private set; }

        public bool Closed { get; private set; }

        public ConsumeResult<Ignore, string?> OnConsume(ConsumeResult<Ignore, string?> result)
        {
            Seen++;
            result.Message!.Value = result.Message.Value?.ToUpperInvariant();
            return result;
        }

        public void OnCommit(IReadOnlyList<TopicPartitionOffset> offsets)
        {
        }

        public void OnClose() => Closed = true;
    }
}
