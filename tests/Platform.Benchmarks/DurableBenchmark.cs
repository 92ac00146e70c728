using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Win32.SafeHandles;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Client.Serialization;
using Platform.Protocol.RecordFormat;

namespace Platform.Benchmarks;

/// <summary>
/// Durable ingest (issue 11): write.caching=false, acks=all, against what the disk can do. Each round
/// measures, one after the other on the same disk: an fsync loop writing 64 KiB blocks to one file;
/// 64 KiB batches from N raw-wire producers into one partition of an in-process broker; and 100 B
/// records from N client producers into a write.caching=false topic and a write.caching=true topic.
/// The goals are ratios within a round (the machine is shared, so absolute figures wander).
/// </summary>
internal static class DurableBenchmark
{
    private const int BlockBytes = 64 * 1024;

    public static async Task<int> RunAsync(Options options)
    {
        var seconds = options.Int("seconds", 5);
        var producers = options.Int("producers", 8);
        var rounds = options.Int("rounds", 3);
        // The client's batch.size caps what one producer adds to each group commit: the broker reads on while a
        // Produce waits for its fsync, but a producer that cannot fill its next batch before the answer comes
        // has one request in flight (measured: 95% of the durable requests arrive with none of their
        // connection's before them unanswered), so each fsync covers at most one batch per producer.
        var batchSize = options.Int("batch-size", 16_384);
        var partitions = options.Int("partitions", 1);
        var inFlight = options.Int("in-flight", 5);
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), $"platform-durable-{Guid.NewGuid():N}"));
        Directory.CreateDirectory(root);
        try
        {
            await using var broker = await EmbeddedBroker.StartAsync(o => o.DataDir = Path.Combine(root, "broker"));
            await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
            {
                await admin.CreateTopicsAsync(
                [
                    new TopicSpecification { Name = "big", NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["write.caching"] = "false" } },
                    new TopicSpecification { Name = "small-durable", NumPartitions = partitions, ReplicationFactor = 1, Configs = new() { ["write.caching"] = "false" } },
                    new TopicSpecification { Name = "small-cached", NumPartitions = partitions, ReplicationFactor = 1, Configs = new() { ["write.caching"] = "true" } },
                ]);
            }

            using var syncs = new SyncMeter();
            List<double> fsyncLoop = [], durableBig = [], durableSmall = [], cachedSmall = [], syncRate = [], recordsPerSync = [], waitsPerSync = [];
            for (var round = 1; round <= rounds; round++)
            {
                fsyncLoop.Add(FsyncLoop(Path.Combine(root, "fsync-loop"), TimeSpan.FromSeconds(seconds)));
                durableBig.Add(await BigBatchesAsync(broker, producers, TimeSpan.FromSeconds(seconds)));
                var before = syncs.Read();
                var clock = Stopwatch.StartNew();
                var cpu = CpuSeconds();
                durableSmall.Add(await SmallRecordsAsync(broker, "small-durable", producers, batchSize, inFlight, TimeSpan.FromSeconds(seconds)));
                var durableCpu = (CpuSeconds() - cpu) / clock.Elapsed.TotalSeconds;
                var (count, offsets, waits) = syncs.Read() - before;
                syncRate.Add(count / clock.Elapsed.TotalSeconds);
                recordsPerSync.Add(offsets / (double)Math.Max(1, count));
                waitsPerSync.Add(waits / (double)Math.Max(1, count));
                clock.Restart();
                cpu = CpuSeconds();
                cachedSmall.Add(await SmallRecordsAsync(broker, "small-cached", producers, batchSize, inFlight, TimeSpan.FromSeconds(seconds)));
                var cachedCpu = (CpuSeconds() - cpu) / clock.Elapsed.TotalSeconds;
                Console.WriteLine($"  round {round}: fsync loop {Report.F(fsyncLoop[^1])} MB/s, durable 64 KiB batches {Report.F(durableBig[^1])} MB/s "
                    + $"({Report.Percent(durableBig[^1] / fsyncLoop[^1])}); 100 B records durable {Report.F(durableSmall[^1], 0)} rec/s, cached {Report.F(cachedSmall[^1], 0)} rec/s "
                    + $"({Report.Percent(durableSmall[^1] / cachedSmall[^1])}); durable: {Report.F(syncRate[^1], 0)} fsyncs/s, {Report.F(recordsPerSync[^1], 0)} records and "
                    + $"{Report.F(waitsPerSync[^1])} produce requests per fsync; process CPU durable {Report.F(durableCpu, 2)} cores, cached {Report.F(cachedCpu, 2)} cores, {Report.Load()}");
            }

            Report.Heading($"durable ingest (write.caching=false, acks=all, {producers} producers, batch.size {batchSize}, 100 B records into {partitions} partition(s), {seconds} s per measurement, {Report.FreeDisk(root)})");
            Report.Row("fsync loop, 64 KiB blocks (MB/s)", fsyncLoop, "MB/s");
            Report.Row("64 KiB batches, write.caching=false (MB/s)", durableBig, "MB/s");
            Report.Row("100 B records, write.caching=false (rec/s)", durableSmall, "rec/s", 0);
            Report.Row("100 B records, write.caching=true (rec/s)", cachedSmall, "rec/s", 0);
            Report.Row("100 B durable: fsyncs per second", syncRate, "/s", 0);
            Report.Row("100 B durable: records per fsync", recordsPerSync, "records", 0);
            Report.Row("100 B durable: produce requests per fsync", waitsPerSync, "requests");
            var bigRatio = Report.Median(durableBig.Zip(fsyncLoop, (d, f) => d / f));
            var smallRatio = Report.Median(durableSmall.Zip(cachedSmall, (d, c) => d / c));
            Console.WriteLine($"  64 KiB batches / fsync loop, median of the rounds' ratios {Report.Percent(bigRatio)} (goal >= 75%: {Report.Goal(bigRatio >= 0.75)})");
            Console.WriteLine($"  100 B durable / cached, median of the rounds' ratios {Report.Percent(smallRatio)} (goal >= 50%: {Report.Goal(smallRatio >= 0.5)})");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>What the disk gives one writer that fsyncs every 64 KiB block: MB/s.</summary>
    private static double FsyncLoop(string path, TimeSpan duration)
    {
        var block = new byte[BlockBytes];
        Random.Shared.NextBytes(block);
        long written = 0;
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                RandomAccess.Write(handle, block, written);
                RandomAccess.FlushToDisk(handle);
                written += block.Length;
            }

            written = (long)(written / clock.Elapsed.TotalSeconds);
        }

        File.Delete(path);
        return written / 1e6;
    }

    /// <summary>64 KiB batches (16 records of 4 KiB) from <paramref name="producers"/> raw connections, acks=all: MB/s of batches acknowledged.</summary>
    private static async Task<double> BigBatchesAsync(EmbeddedBroker broker, int producers, TimeSpan duration)
    {
        var value = new byte[4096 - 64];
        Random.Shared.NextBytes(value);
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < 16; i++)
        {
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, value);
        }

        var batch = builder.BuildToArray();
        long bytes = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => Task.Run(async () =>
        {
            await using var client = await WireClient.ConnectAsync(broker.Port);
            while (clock.Elapsed < duration)
            {
                await client.ProduceAsync("big", 0, batch, acks: -1);
                Interlocked.Add(ref bytes, batch.Length);
            }
        })));
        return bytes / clock.Elapsed.TotalSeconds / 1e6;
    }

    /// <summary>100 B records from <paramref name="producers"/> client producers (acks=all, linger.ms=5), as fast as they go: records/s acknowledged.</summary>
    private static async Task<double> SmallRecordsAsync(EmbeddedBroker broker, string topic, int producers, int batchSize, int inFlight, TimeSpan duration)
    {
        var payload = new byte[100];
        Random.Shared.NextBytes(payload);
        long delivered = 0;
        long failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(_ => Task.Run(() =>
        {
            var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All, LingerMs = 5, BatchSize = batchSize, MaxInFlightRequestsPerConnection = inFlight };
            using var producer = new ProducerBuilder<Null?, byte[]>(config).Build();
            var message = new Message<Null?, byte[]> { Value = payload };
            Action<DeliveryReport<Null?, byte[]>> handler = report => Interlocked.Increment(ref report.Error.IsError ? ref failed : ref delivered);
            while (clock.Elapsed < duration)
            {
                for (var i = 0; i < 1024; i++)
                {
                    producer.Produce(topic, message, handler);
                }
            }

            producer.Flush();
        })));
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed:N0} records to {topic} failed.");
        }

        return delivered / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Sums the in-process broker's <c>Platform.Storage</c> counters: data syncs, the offsets they made durable,
    /// and the durable waits (acks=all produce requests) group commit answered.
    /// </summary>
    private sealed class SyncMeter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _syncs;
        private long _offsets;
        private long _waits;

        public SyncMeter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Platform.Storage")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                switch (instrument.Name)
                {
                    case "storage.log.syncs":
                        Interlocked.Add(ref _syncs, value);
                        break;
                    case "storage.log.synced_offsets":
                        Interlocked.Add(ref _offsets, value);
                        break;
                    case "storage.group_commit.waits":
                        Interlocked.Add(ref _waits, value);
                        break;
                }
            });
            _listener.Start();
        }

        public Counts Read() => new(Interlocked.Read(ref _syncs), Interlocked.Read(ref _offsets), Interlocked.Read(ref _waits));

        public void Dispose() => _listener.Dispose();

        public readonly record struct Counts(long Syncs, long Offsets, long Waits)
        {
            public static Counts operator -(Counts a, Counts b) => new(a.Syncs - b.Syncs, a.Offsets - b.Offsets, a.Waits - b.Waits);
        }
    }
}
