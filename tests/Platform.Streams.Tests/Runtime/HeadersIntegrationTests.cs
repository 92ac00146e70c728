using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>Record headers on a real broker: what the stream thread reads arrives in the topology and goes out with the records.</summary>
public sealed class HeadersIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Stream_RecordsWithHeaders_OutputKeepsEachRecordsHeadersInOrder()
    {
        await _cluster.CreateTopicAsync("headers-in", 1);
        await _cluster.CreateTopicAsync("headers-out", 1);

        // Keys that repeat (the stream thread decodes each once) within and across records, one per record, an
        // empty one, a null value.
        var sent = Enumerable.Range(0, 50).Select(i => new List<(byte[] Key, byte[]? Value)>
        {
            ("trace"u8.ToArray(), [(byte)i]),
            ("source"u8.ToArray(), "lines"u8.ToArray()),
            (System.Text.Encoding.UTF8.GetBytes($"only-{i}"), null),
            ([], []),
            ("é"u8.ToArray(), [1]),
            ("trace"u8.ToArray(), [(byte)(i + 100)]),
        }).ToList();
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < sent.Count; i++)
            {
                var headers = new Headers();
                foreach (var (key, value) in sent[i])
                {
                    headers.Add(System.Text.Encoding.UTF8.GetString(key), value);
                }

                await producer.ProduceAsync("headers-in", new Message<string?, string?> { Key = $"k{i}", Value = $"v{i}", Headers = headers });
            }
        }

        var builder = new StreamsBuilder();
        builder.Stream("headers-in", Consumed.With(Serdes.String, Serdes.String))
            .MapValues(v => v.ToUpperInvariant())
            .To("headers-out", Produced.With(Serdes.String, Serdes.String));
        var config = _cluster.Config("headers", _cluster.NewStateDir());
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();

        var received = await ReadAsync<string>("headers-out", r => r.Count >= sent.Count);
        Assert.Equal(sent.Count, received.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal($"V{i}", received[i].Message!.Value);
            var expected = sent[i].Select(h => (System.Text.Encoding.UTF8.GetString(h.Key), h.Value is null ? null : Convert.ToHexString(h.Value)));
            var actual = received[i].Message!.Headers!.Select(h => (h.Key, h.GetValueBytes() is { } value ? Convert.ToHexString(value) : null));
            Assert.Equal(expected, actual);
        }

        streams.Close();
    }

    [Fact]
    public async Task Count_AfterCombiningRepartition_OutputCarriesNoMarkerWhileAUserTopicKeepsIt()
    {
        // The count reads its combined repartition records with the runtime's shared marker, which its source drops
        // from the records it hands on; a user topic whose records carry the same header alone keeps it.
        const string marker = "__streams.partial.count";
        await _cluster.CreateTopicAsync("marked-lines", 2);
        await _cluster.CreateTopicAsync("marked-counts", 2);
        await _cluster.CreateTopicAsync("marked-copy", 1);
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                var headers = new Headers();
                headers.Add(marker, null);
                await producer.ProduceAsync("marked-lines", new Message<string?, string?> { Key = $"k{i}", Value = "alpha beta alpha", Headers = headers });
            }
        }

        var seenAfterCount = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var builder = new StreamsBuilder();
        var lines = builder.Stream("marked-lines", Consumed.With(Serdes.String, Serdes.String));
        lines.To("marked-copy", Produced.With(Serdes.String, Serdes.String));
        lines.FlatMapValues<string>(line => line!.Split(' '))
            .GroupBy((_, word) => word, Grouped.With(Serdes.String, Serdes.String).WithName("words"))
            .Count(Materialized.As<string, long>("marked-store").WithKeySerde(Serdes.String).WithValueSerde(Serdes.Int64))
            .ToStream()
            .Process(() => new HeaderCounter(seenAfterCount))
            .To("marked-counts", Produced.With(Serdes.String, Serdes.Int64));
        var config = _cluster.Config("marked", _cluster.NewStateDir());
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();

        var counts = await ReadAsync<byte[]>("marked-counts", r => r.Where(x => x.Message!.Key == "alpha").Select(x => BitConverter.ToInt64(x.Message!.Value!.Reverse().ToArray())).LastOrDefault() == 40
            && r.Where(x => x.Message!.Key == "beta").Select(x => BitConverter.ToInt64(x.Message!.Value!.Reverse().ToArray())).LastOrDefault() == 20);
        Assert.All(counts, r => Assert.Empty(r.Message!.Headers ?? []));
        Assert.NotEmpty(seenAfterCount);
        Assert.All(seenAfterCount, headers => Assert.Equal(0, headers));

        var copies = await ReadAsync<byte[]>("marked-copy", r => r.Count >= 20);
        Assert.All(copies, r => Assert.Equal([marker], r.Message!.Headers!.Select(h => h.Key)));
        streams.Close();
    }

    /// <summary>Reads <paramref name="topic"/> from the start until <paramref name="done"/> holds for what was read; fails after 30 s.</summary>
    private async Task<List<ConsumeResult<string, TValue>>> ReadAsync<TValue>(string topic, Func<List<ConsumeResult<string, TValue>>, bool> done)
    {
        using var consumer = new ConsumerBuilder<string, TValue>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var received = new List<ConsumeResult<string, TValue>>();
        var deadline = Environment.TickCount64 + 30_000;
        while (!done(received))
        {
            Assert.True(Environment.TickCount64 < deadline, $"Timed out reading {topic}: {received.Count} records");
            received.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)));
        }

        return received;
    }

    /// <summary>Passes records on, noting how many headers each carries.</summary>
    private sealed class HeaderCounter(System.Collections.Concurrent.ConcurrentQueue<int> seen) : Processors.IProcessor<string, long, string, long>
    {
        private Processors.IProcessorContext<string, long> _context = null!;

        public void Init(Processors.IProcessorContext<string, long> context) => _context = context;

        public void Process(Processors.Record<string, long> record)
        {
            seen.Enqueue(record.Headers?.Count ?? 0);
            _context.Forward(record);
        }
    }
}
