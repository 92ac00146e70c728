using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Broker.Network;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Protocol.Messages;
using Platform.Protocol.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Platform.Broker.Tests.Network;

/// <summary>
/// Seeded fuzzing through real sockets: tens of thousands of random and mutated frames for every API
/// key and version, from several connections at once. Afterwards the broker has logged no error (a
/// malformed frame is a quiet close, a strange request an error code), holds no connection or request
/// memory, its heap is back near where it started, and a real client still produces and consumes.
/// </summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class BrokerFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 11_2026;
    private const int Workers = 8;
    private const int FramesPerWorker = 2_600;
    private static readonly TimeSpan ResponseWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The fuzzing clients' own address: other processes on this machine that probe stale ports may
    /// connect to the broker from 127.0.0.1, and their connections are not the fuzzer's to account for.
    /// </summary>
    private static readonly IPAddress FuzzAddress = IPAddress.Parse("127.0.0.9");

    [Fact]
    public async Task Broker_TensOfThousandsOfFuzzedFrames_StaysQuietBoundedAndServing()
    {
        var errors = new ErrorLog();
        await using var broker = await EmbeddedBroker.StartAsync(
            o =>
            {
                o.SocketRequestMaxBytes = 1 << 20;
                // Fuzzed Metadata and Produce must not create thousands of topics.
                o.AutoCreateTopicsEnable = false;
                // Fuzzed CreateTopics and CreatePartitions create real topics: the broker's own limits keep them
                // few and small, with room left for the internal topics and the real client at the end.
                // (max.partitions.per.request also caps the internal topics, so theirs are made small too.)
                o.MaxPartitionsPerRequest = 8;
                o.MaxPartitions = 5_000;
                o.OffsetsTopicNumPartitions = 4;
                o.TransactionStateLogNumPartitions = 4;
                o.GroupInitialRebalanceDelayMs = 0;
                o.SocketRequestFrameTimeoutMs = 2_000;
            },
            errors);
        var server = broker.Services.GetRequiredService<SocketServer>();
        var budget = broker.Services.GetRequiredService<RequestMemoryBudget>();
        var heapBefore = SettledHeapBytes();
        var stats = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => FuzzAsync(broker.Port, Seed + w, stats))))
            .WaitAsync(HangGuard);
        clock.Stop();

        var sent = stats.Values.Sum();
        var summary = $"{sent} frames in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", stats.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}";
        output.WriteLine(summary);
        Assert.True(sent >= Workers * FramesPerWorker, summary);
        Assert.True(stats.GetValueOrDefault("answered") > 500 && stats.GetValueOrDefault("closed") > 1000, summary);
        Assert.True(errors.Entries.IsEmpty, $"{errors.Entries.Count} errors logged, first: {errors.Entries.FirstOrDefault()}\n{summary}");
        Assert.True(
            await Wire.EventuallyAsync(() => Task.FromResult(!FuzzConnections(server).Any() && budget.InFlight == 0), TimeSpan.FromSeconds(30)),
            $"{FuzzConnections(server).Count()} fuzz connections left ({string.Join("; ", FuzzConnections(server))}), {budget.InFlight} request bytes left\n{summary}");
        var heapGrowth = SettledHeapBytes() - heapBefore;
        output.WriteLine($"managed heap after: {heapGrowth >> 10} KiB more than before");
        Assert.True(heapGrowth < 64 << 20, $"heap grew by {heapGrowth >> 20} MiB\n{summary}");

        await AssertRealClientRoundTripAsync(broker);
    }

    private static IEnumerable<string> FuzzConnections(SocketServer server)
        => server.DescribeConnections().Where(c => c.Contains($" from {FuzzAddress}:", StringComparison.Ordinal));

    /// <summary>Sends one worker's frames, one at a time, reconnecting whenever the broker closes the connection.</summary>
    private static async Task FuzzAsync(int port, int seed, ConcurrentDictionary<string, int> stats)
    {
        var frames = new FuzzFrames(seed);
        RawConnection? connection = null;
        try
        {
            for (var i = 0; i < FramesPerWorker; i++)
            {
                var frame = frames.Frame(correlationId: i, out var kind, out var key);
                connection ??= await RawConnection.ConnectFromAsync(FuzzAddress, port);
                var outcome = await SendOneAsync(connection, frame, kind);
                stats.AddOrUpdate(outcome == "unanswered" ? $"unanswered {key}" : outcome, 1, (_, n) => n + 1);
                if (outcome != "answered")
                {
                    await connection.DisposeAsync();
                    connection = null;
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task<string> SendOneAsync(RawConnection connection, byte[] frame, FuzzKind kind)
    {
        try
        {
            await connection.SendRawAsync(frame);
            if (kind == FuzzKind.SizeTooLarge)
            {
                // The broker waits for bytes that never come: end the stream so it sees the frame cut short.
                connection.ShutdownSend();
            }

            return await connection.ReadFrameAsync(ResponseWait) is null ? "closed" : "answered";
        }
        catch (OperationCanceledException)
        {
            // A request that waits by design (a long-poll Fetch with a fuzzed max wait): the client gives up.
            return "unanswered";
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return "closed";
        }
    }

    private static async Task AssertRealClientRoundTripAsync(EmbeddedBroker broker)
    {
        await using (var admin = await RawConnection.ConnectAsync(broker))
        {
            await admin.CreateTopicAsync("after-fuzz");
        }

        await using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                producer.Produce(new TopicPartition("after-fuzz", 0), new Message<Null, string> { Value = $"v-{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        await using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, FetchMaxWaitMs = 100 }).Build();
        consumer.Assign(new TopicPartitionOffset("after-fuzz", 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (values.Count < 20 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } result)
            {
                values.Add(result.Message!.Value!);
            }
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"v-{i}"), values);
    }

    private static long SettledHeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Collects every log entry at Error or above, with its exception.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.Entries.Enqueue($"{category}[{eventId.Id}] {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
