using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Client.Admin;
using Platform.Client.Producer;
using Platform.Client.Serialization;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Tests.Producer;

/// <summary>The producer against a real broker on loopback.</summary>
public sealed class ProducerTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 3);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private ProducerConfig Config(params (string Key, string Value)[] extra)
    {
        var config = new ProducerConfig { BootstrapServers = _broker.BootstrapServers };
        foreach (var (key, value) in extra)
        {
            config.Set(key, value);
        }

        return config;
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task ProduceAsync_EveryCodec_RoundTripsKeysValuesHeadersAndOffsets(string codec)
    {
        using var producer = new ProducerBuilder<string, string>(Config(("compression.type", codec))).Build();
        var topic = "codec-" + codec;

        var tasks = Enumerable.Range(0, 300).Select(i =>
        {
            var headers = new Headers { { "h", Encoding.UTF8.GetBytes($"x-{i}") } };
            return producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<string, string> { Key = $"k-{i}", Value = $"v-{i}", Headers = headers });
        }).ToList();
        var results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        foreach (var partition in new[] { 0, 1 })
        {
            var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, topic, partition, 150);
            var sent = results.Where(r => r.Partition == partition).OrderBy(r => r.Offset).ToList();
            Assert.Equal(sent.Select(r => (r.Offset, r.Key, r.Value)), stored.Select(s => (s.Offset, s.Key!, s.Value!)));
            Assert.All(stored, s => Assert.Equal(ProducerSettings.ParseCompression(codec), s.Compression));
            Assert.All(stored, s => Assert.Equal("x-" + s.Key![2..], s.Headers["h"]));
        }
    }

    [Fact]
    public async Task Produce_WithCallbacks_ReportsEveryRecordWithAscendingOffsets()
    {
        using var producer = new ProducerBuilder<Null, string>(Config(("linger.ms", "20"))).Build();
        var reports = new ConcurrentQueue<DeliveryReport<Null, string>>();

        for (var i = 0; i < 5000; i++)
        {
            producer.Produce(new TopicPartition("callbacks", 0), new Message<Null, string> { Value = $"v-{i}" }, reports.Enqueue);
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        Assert.Equal(5000, reports.Count);
        Assert.All(reports, r => Assert.False(r.Error.IsError, r.Error.ToString()));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), reports.Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => $"v-{i}"), reports.Select(r => r.Value));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "callbacks", 0, 5000);
        Assert.Equal(5000, stored.Count);
    }

    [Fact]
    public async Task Produce_ByteMemorySlices_WritesOnlyTheSliceAndNullStaysNull()
    {
        using var producer = new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(Config()).Build();
        var buffer = Encoding.UTF8.GetBytes("xxkey-1yyvalue-1zz");

        producer.Produce(new TopicPartition("slices", 0), new Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> { Key = buffer.AsMemory(2, 5), Value = buffer.AsMemory(9, 7) });

        // The bytes are in the batch once Produce returns: the caller may reuse its buffer at once.
        Encoding.UTF8.GetBytes("xxkey-2yy").CopyTo(buffer, 0);
        producer.Produce(new TopicPartition("slices", 0), new Message<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> { Key = buffer.AsMemory(2, 5), Value = null });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));

        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "slices", 0, 2);
        Assert.Equal([("key-1", "value-1"), ("key-2", null)], stored.Select(r => (r.Key, r.Value)));
    }

    [Fact]
    public async Task Produce_ByteArraysAndNullKeys_StoredAsGivenWithNullsKept()
    {
        // byte[] and Null go around their serializers (no call per record): the bytes stored must still be the caller's.
        using var bytes = new ProducerBuilder<byte[]?, byte[]?>(Config()).Build();
        using var unkeyed = new ProducerBuilder<Null, byte[]>(Config()).Build();
        var partition = new TopicPartition("arrays", 0);

        bytes.Produce(partition, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("key-1"), Value = Encoding.UTF8.GetBytes("value-1") });
        bytes.Produce(partition, new Message<byte[]?, byte[]?> { Key = null, Value = Encoding.UTF8.GetBytes("value-2") });
        bytes.Produce(partition, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("key-3"), Value = null });
        Assert.Equal(0, bytes.Flush(TimeSpan.FromSeconds(10)));
        var keyed = await bytes.ProduceAsync("arrays", new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("key-4"), Value = [] });
        await unkeyed.ProduceAsync(partition, new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes("value-5") });

        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "arrays", 0, 4 + (keyed.Partition == 0 ? 1 : 0));
        Assert.Equal(
            [("key-1", "value-1"), (null, "value-2"), ("key-3", null)],
            stored.Where(r => r.Key != "key-4").Take(3).Select(r => (r.Key, r.Value)));
        Assert.Equal((null, "value-5"), stored.Select(r => (r.Key, r.Value)).Last());
        Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes("key-4"), 3), keyed.Partition);
    }

    [Fact]
    public async Task Produce_DefaultConfig_IsIdempotentWithSequencedBatches()
    {
        using var producer = new ProducerBuilder<Null, string>(Config()).Build();

        for (var i = 0; i < 3000; i++)
        {
            producer.Produce(new TopicPartition("idempotent", 0), new Message<Null, string> { Value = $"v-{i}" });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "idempotent", 0, 3000);
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"v-{i}"), stored.Select(s => s.Value));
        // The broker tracked the producer: its last sequence is that of the 3000th record.
        var log = _broker.Services.GetRequiredService<Platform.Storage.LogManager>().GetLog("idempotent", 0)!;
        var state = Assert.Single(log.GetProducers());
        Assert.Equal(2999, state.LastSequence);
    }

    [Fact]
    public void Build_DefaultIdempotenceWithAcks1_TurnsItselfOff()
    {
        using var producer = new ProducerBuilder<Null, string>(Config(("acks", "1"))).Build();

        Assert.NotNull(producer);
    }

    [Fact]
    public async Task ProduceAsync_KeyedRecords_LandOnTheMurmur2Partition()
    {
        using var producer = new ProducerBuilder<string, string>(Config()).Build();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => producer.ProduceAsync("keyed", new Message<string, string> { Key = $"key-{i}", Value = "v" })));

        Assert.All(results, r => Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes(r.Key), 3), r.Partition));
    }

    [Fact]
    public async Task Produce_NullKeys_StickToAPartitionPerBatch()
    {
        using var producer = new ProducerBuilder<Null, string>(Config(("batch.size", "2000"))).Build();
        await producer.ProduceAsync("sticky", new Message<Null, string> { Value = "warm-up" });
        var partitions = new ConcurrentQueue<int>();

        for (var i = 0; i < 200; i++)
        {
            producer.Produce("sticky", new Message<Null, string> { Value = new string('x', 90) }, r => partitions.Enqueue(r.Partition));
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        var runs = partitions.Zip(partitions.Skip(1)).Count(p => p.First != p.Second) + 1;
        Assert.InRange(runs, 2, 40);
    }

    [Fact]
    public async Task Produce_NullKeys_FillEachBatchBeforeMovingOn()
    {
        // 90-byte values: a 2000-byte batch holds 19 of them (61 bytes of header, 97 per record, room checked for
        // the 126-byte upper estimate). Nothing lingers out (linger.ms=60000), and a stint (KIP-794) that starts on an
        // empty queue ends as its batch fills: 19 records a partition, fewer in the first stint, which had the warm-up record.
        using var producer = new ProducerBuilder<Null, string>(Config(("batch.size", "2000"), ("linger.ms", "60000"))).Build();
        await producer.ProduceAsync("fill", new Message<Null, string> { Value = "warm-up" });
        producer.Flush(TimeSpan.FromSeconds(10));
        var partitions = new ConcurrentDictionary<int, int>();

        for (var i = 0; i < 200; i++)
        {
            var index = i;
            producer.Produce("fill", new Message<Null, string> { Value = index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + new string('x', 87) }, r => partitions[index] = r.Partition);
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        var runs = new List<int> { 1 };
        for (var i = 1; i < 200; i++)
        {
            if (partitions[i] == partitions[i - 1])
            {
                runs[^1]++;
            }
            else
            {
                runs.Add(1);
            }
        }

        Assert.InRange(runs[0], 1, 19);
        Assert.All(runs.Skip(1).SkipLast(1), run => Assert.Equal(19, run));
    }

    [Fact]
    public async Task ProduceAsync_Acks0_FireAndForget_RecordsArrive()
    {
        using var producer = new ProducerBuilder<Null, string>(Config(("acks", "0"))).Build();

        var result = await producer.ProduceAsync(new TopicPartition("acks0", 0), new Message<Null, string> { Value = "first" });
        for (var i = 0; i < 99; i++)
        {
            producer.Produce(new TopicPartition("acks0", 0), new Message<Null, string> { Value = $"v-{i}" });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        Assert.Equal(-1, result.Offset);
        Assert.Equal(PersistenceStatus.PossiblyPersisted, result.Status);
        Assert.Equal(100, (await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "acks0", 0, 100)).Count);
    }

    [Fact]
    public async Task Dispose_WithLingeringRecords_DeliversThemAll()
    {
        var delivered = 0;
        var producer = new ProducerBuilder<Null, string>(Config(("linger.ms", "60000"))).Build();
        producer.Produce("dispose", new Message<Null, string> { Value = "warm-up" });
        await producer.FlushAsync();

        for (var i = 0; i < 100; i++)
        {
            producer.Produce(new TopicPartition("dispose", 0), new Message<Null, string> { Value = "v" }, r => Interlocked.Add(ref delivered, r.Error.IsError ? 0 : 1));
        }

        producer.Dispose();

        Assert.Equal(100, delivered);
    }

    [Fact]
    public async Task Interceptors_SeeSendsAndAcknowledgements()
    {
        var interceptor = new CountingInterceptor();
        using var producer = new ProducerBuilder<string, string>(Config()).AddInterceptor(interceptor).Build();

        var result = await producer.ProduceAsync("intercepted", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal("v!", result.Value);
        Assert.Equal(1, interceptor.Sent);
        Assert.Equal(1, interceptor.Acknowledged);
    }

    [Fact]
    public async Task ProduceAsync_WithJsonSerializerAndTimestamp_KeepsBoth()
    {
        using var producer = new ProducerBuilder<int, Payload>(Config()).SetValueSerializer(new JsonSerializer<Payload>()).Build();
        var timestamp = new Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

        var result = await producer.ProduceAsync(new TopicPartition("json", 0), new Message<int, Payload> { Key = 7, Value = new Payload("a", 1), Timestamp = timestamp });

        var stored = Assert.Single(await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "json", 0, 1));
        Assert.Equal("{\"Name\":\"a\",\"Count\":1}", stored.Value);
        Assert.Equal(1_700_000_000_000, stored.Timestamp);
        Assert.Equal(timestamp, result.Timestamp);
    }

    [Fact]
    public async Task ProduceAsync_ManyCallsBeforeTheTopicIsKnown_AppendInCallOrder()
    {
        using var producer = new ProducerBuilder<Null, string>(Config()).Build();

        // Every call waits for metadata first; their continuations must not decide the order.
        var results = await Task.WhenAll(Enumerable.Range(0, 500)
            .Select(i => producer.ProduceAsync(new TopicPartition("fresh-order", 0), new Message<Null, string> { Value = $"v-{i}" })));

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), results.Select(r => r.Offset));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"v-{i}"), results.Select(r => r.Value));
    }

    [Fact]
    public async Task ProduceAsync_AsyncSerializerFinishingOutOfOrder_AppendsInCallOrder()
    {
        using var producer = new ProducerBuilder<Null, string>(Config()).SetValueSerializer(new JitterySerializer()).Build();
        await producer.ProduceAsync(new TopicPartition("jittery", 0), new Message<Null, string> { Value = "warm-up" });

        var results = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => producer.ProduceAsync(new TopicPartition("jittery", 0), new Message<Null, string> { Value = $"v-{i}" })));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), results.Select(r => r.Offset));
        var stored = await PartitionReader.ReadAllAsync(_broker.BootstrapServers, "jittery", 0, 201);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"v-{i}"), stored.Skip(1).Select(s => s.Value));
    }

    /// <summary>Takes a random few milliseconds per value, so later records are often serialized first.</summary>
    private sealed class JitterySerializer : IAsyncSerializer<string>
    {
        public async Task<byte[]?> SerializeAsync(string data, SerializationContext context, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Random.Shared.Next(0, 5), cancellationToken);
            return Encoding.UTF8.GetBytes(data);
        }
    }

    public sealed record Payload(string Name, int Count);

    private sealed class CountingInterceptor : IProducerInterceptor<string, string>
    {
        public int Sent;
        public int Acknowledged;

        public Message<string, string> OnSend(string topic, Message<string, string> message)
        {
            Interlocked.Increment(ref Sent);
            return new Message<string, string> { Key = message.Key, Value = message.Value + "!" };
        }

        public void OnAcknowledgement(DeliveryReport<string, string> report) => Interlocked.Increment(ref Acknowledged);
    }
}
