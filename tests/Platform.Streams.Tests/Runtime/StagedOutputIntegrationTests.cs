using System.Collections.Concurrent;
using Platform.Client;
using Platform.Streams.Dsl;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Runtime;

/// <summary>
/// Output records wait in the stream thread's stage before the producer takes them: what they carry is what the sink
/// saw, and a record the producer refuses on the way goes to the production exception handler.
/// </summary>
public sealed class StagedOutputIntegrationTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logging = TestOutputLogger.Factory(output);
    private StreamsTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StreamsTestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>
    /// A topology copying <c>{name}-in</c> to <c>{name}-out</c> (not started), whose input holds 20 records of which the
    /// 8th is too large for its producer (max.request.size 2048), with <paramref name="handler"/> as its production
    /// exception handler.
    /// </summary>
    private async Task<(string[] Values, KafkaStreams Streams)> CopyWithATooLargeRecordAsync(string name, Type handler)
    {
        await _cluster.CreateTopicAsync($"{name}-in", 1);
        await _cluster.CreateTopicAsync($"{name}-out", 1);
        var values = Enumerable.Range(0, 20).Select(i => i == 7 ? new string('x', 4000) : $"v{i}").ToArray();
        await _cluster.ProduceAsync($"{name}-in", values.Select((v, i) => ((string?)$"k{i}", v)).ToArray());

        var builder = new StreamsBuilder();
        builder.Stream($"{name}-in", Consumed.With(Serdes.String, Serdes.String))
            .To($"{name}-out", Produced.With(Serdes.String, Serdes.String));
        var config = _cluster.Config(name, _cluster.NewStateDir());
        config["producer.max.request.size"] = "2048";
        config[StreamsConfig.DefaultProductionExceptionHandlerConfig] = handler.AssemblyQualifiedName!;
        return (values, new KafkaStreams(builder.Build(config), config, _logging));
    }

    [Fact]
    public async Task Sink_RecordTooLargeForTheProducer_GoesToTheProductionHandlerAndTheRestIsWritten()
    {
        RecordingProductionHandler.Calls.Clear();
        var (values, unstarted) = await CopyWithATooLargeRecordAsync("refused", typeof(RecordingProductionHandler));
        using var streams = unstarted;
        streams.Start();

        var received = await ReadAsync("refused-out", 19);
        Assert.Equal(values.Where((_, i) => i != 7), received.Select(r => r.Value));
        var call = Assert.Single(RecordingProductionHandler.Calls);
        Assert.Equal("refused-out", call.Topic);
        Assert.Equal("k7", System.Text.Encoding.UTF8.GetString(call.Key!));
        Assert.Equal(values[7], System.Text.Encoding.UTF8.GetString(call.Value!));
        Assert.Equal(Protocol.ErrorCode.MessageTooLarge, call.Error.Code);
        Assert.Equal(KafkaStreamsState.Running, streams.State);
        streams.Close();
    }

    [Theory]
    [InlineData("none")]
    [InlineData("lz4")]
    public async Task Sink_RecordTheBrokerRefuses_GoesToTheProductionHandlerWithItsBytesAndTheRestIsWritten(string compression)
    {
        // The producer takes the large record; the broker refuses it (the output topic's limit), after the producer split
        // the batch it was in. Its key and value for the handler are read back from that batch.
        RecordingProductionHandler.Calls.Clear();
        var name = $"broker-refused-{compression}";
        await _cluster.CreateTopicAsync($"{name}-in", 1);
        await _cluster.CreateTopicAsync($"{name}-out", 1, new() { ["max.message.bytes"] = "1024" });
        var values = Enumerable.Range(0, 20).Select(i => i == 7 ? string.Concat(Enumerable.Range(0, 400).Select(j => $"{j * 7919 % 1000:D3}|")) : $"v{i}").ToArray();
        await _cluster.ProduceAsync($"{name}-in", values.Select((v, i) => ((string?)$"k{i}", v)).ToArray());
        var builder = new StreamsBuilder();
        builder.Stream($"{name}-in", Consumed.With(Serdes.String, Serdes.String))
            .To($"{name}-out", Produced.With(Serdes.String, Serdes.String));
        var config = _cluster.Config(name, _cluster.NewStateDir());
        config["producer.compression.type"] = compression;
        config[StreamsConfig.DefaultProductionExceptionHandlerConfig] = typeof(RecordingProductionHandler).AssemblyQualifiedName!;
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();

        var received = await ReadAsync($"{name}-out", 19);
        Assert.Equal(values.Where((_, i) => i != 7), received.Select(r => r.Value));
        var call = Assert.Single(RecordingProductionHandler.Calls);
        Assert.Equal($"{name}-out", call.Topic);
        Assert.Equal("k7", System.Text.Encoding.UTF8.GetString(call.Key!));
        Assert.Equal(values[7], System.Text.Encoding.UTF8.GetString(call.Value!));
        Assert.Equal(Protocol.ErrorCode.MessageTooLarge, call.Error.Code);
        Assert.Equal(KafkaStreamsState.Running, streams.State);
        streams.Close();
    }

    [Fact]
    public async Task Sink_RecordTooLarge_AProductionHandlerThatThrows_FailsTheThreadWithItsException()
    {
        using var streams = (await CopyWithATooLargeRecordAsync("thrown", typeof(ThrowingProductionHandler))).Streams;
        streams.SetUncaughtExceptionHandler(_ => StreamThreadExceptionResponse.ShutdownClient);
        streams.Start();

        // The handler's exception is the task's failure, raised on the stream thread as a handler's decision to fail is.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (streams.State != KafkaStreamsState.Error && streams.State != KafkaStreamsState.NotRunning && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var fatal = Assert.IsAssignableFrom<StreamsException>(streams.FatalException);
        Assert.Contains("production exception handler threw", fatal.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(fatal.InnerException);
    }

    [Fact]
    public async Task Sink_HeadersChangedByAProcessorAfterIt_RecordKeepsTheHeadersTheSinkSaw()
    {
        await _cluster.CreateTopicAsync("stamped-in", 1);
        await _cluster.CreateTopicAsync("stamped-out", 1);
        using (var producer = new ProducerBuilder<string?, string?>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                var headers = new Headers();
                headers.Add("source", [(byte)i]);
                await producer.ProduceAsync("stamped-in", new Message<string?, string?> { Key = $"k{i}", Value = $"v{i}", Headers = headers });
            }
        }

        // The sink comes first among the source's children; the stamping processor after it gets the same headers.
        var builder = new StreamsBuilder();
        var stream = builder.Stream("stamped-in", Consumed.With(Serdes.String, Serdes.String));
        stream.To("stamped-out", Produced.With(Serdes.String, Serdes.String));
        stream.Process(() => new StampingProcessor());
        var config = _cluster.Config("stamped", _cluster.NewStateDir());
        using var streams = new KafkaStreams(builder.Build(config), config, _logging);
        streams.Start();

        var received = await ReadAsync("stamped-out", 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"v{i}"), received.Select(r => r.Value));
        for (var i = 0; i < 10; i++)
        {
            var header = Assert.Single(received[i].Headers!);
            Assert.Equal("source", header.Key);
            Assert.Equal(new byte[] { (byte)i }, header.GetValueBytes());
        }

        streams.Close();
    }

    private async Task<List<Message<string, string>>> ReadAsync(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = $"{topic}-reader",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var received = new List<Message<string, string>>();
        var deadline = Environment.TickCount64 + 30_000;
        while (received.Count < count && Environment.TickCount64 < deadline)
        {
            received.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)).Select(r => r.Message!));
        }

        // Nothing more comes after the expected records.
        await Task.Delay(300);
        received.AddRange(consumer.ConsumeBatch(TimeSpan.FromMilliseconds(100)).Select(r => r.Message!));
        return received;
    }

    /// <summary>Remembers what it was asked and lets the record go.</summary>
    public sealed class RecordingProductionHandler : IProductionExceptionHandler
    {
        public static ConcurrentQueue<(string Topic, byte[]? Key, byte[]? Value, Error Error)> Calls { get; } = new();

        public ProductionExceptionHandlerResponse Handle(ErrorHandlerContext? context, string topic, byte[]? key, byte[]? value, Error error)
        {
            Calls.Enqueue((topic, key, value, error));
            return ProductionExceptionHandlerResponse.Continue;
        }
    }

    /// <summary>Throws, as a handler with a bug would.</summary>
    public sealed class ThrowingProductionHandler : IProductionExceptionHandler
    {
        public ProductionExceptionHandlerResponse Handle(ErrorHandlerContext? context, string topic, byte[]? key, byte[]? value, Error error)
            => throw new InvalidOperationException("the handler has a bug");
    }

    /// <summary>Adds a header to the record's headers in place (a processor may: headers are mutable, as in Kafka).</summary>
    private sealed class StampingProcessor : IProcessor<string, string, string, string>
    {
        public void Init(IProcessorContext<string, string> context)
        {
        }

        public void Process(Record<string, string> record) => record.Headers?.Add("stamped", [1]);
    }
}
