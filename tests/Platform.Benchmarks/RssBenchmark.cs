using System.Diagnostics;
using Platform.Protocol.RecordFormat;

namespace Platform.Benchmarks;

/// <summary>
/// <c>rss</c>: fills one partition of our broker with N GiB over the wire, restarts the broker and reads
/// its RSS after the start and after fetching the tail: memory must not grow with the data on disk.
/// </summary>
internal static class RssBenchmark
{
    private const string Topic = "rss";
    private const int BatchesPerRequest = 4;
    private const long TailBytes = 256L * 1024 * 1024;
    private const int FetchBytes = 1024 * 1024;

    public static async Task<int> RunAsync(Options options)
    {
        var totalBytes = options.Long("gib", 10) * 1024 * 1024 * 1024;
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-rss"));
        var executable = options.String("broker", BrokerProcess.DefaultPath());
        Directory.CreateDirectory(root);
        var free = new DriveInfo(Path.GetFullPath(root)).AvailableFreeSpace;
        Console.WriteLine($"rss: {totalBytes / Report.MiB / 1024:N0} GiB into {Topic}-0, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");
        if (free < totalBytes + (2L << 30))
        {
            throw new ArgumentException($"Not enough free disk: {Report.FreeDisk(root)}, need {totalBytes / Report.MiB / 1024:N0} GiB + 2 GiB.");
        }

        var dataDir = Path.Combine(root, "data");
        const string config = """{ "Broker": { "num.partitions": 1 } }""";
        try
        {
            var (batch, recordsPerBatch) = BuildBatch();
            var request = new byte[batch.Length * BatchesPerRequest];
            for (var i = 0; i < BatchesPerRequest; i++)
            {
                batch.CopyTo(request, i * batch.Length);
            }

            await using (var broker = await BrokerProcess.StartAsync(executable, dataDir, config))
            {
                var watch = Stopwatch.StartNew();
                await using var client = await WireClient.ConnectAsync(broker.Port);
                long written = 0;
                while (written < totalBytes)
                {
                    await client.ProduceAsync(Topic, 0, request);
                    written += request.Length;
                }

                var filled = broker.Memory;
                Console.WriteLine($"  filled {written / Report.MiB / 1024:N2} GiB in {watch.Elapsed.TotalSeconds:N1} s ({written / Report.MB / watch.Elapsed.TotalSeconds:N0} MB/s over the wire), broker RSS {Report.F(filled.Rss)} MiB, peak {Report.F(filled.Peak)} MiB");
                watch.Restart();
                await broker.StopAsync();
                Console.WriteLine($"  clean shutdown in {watch.Elapsed.TotalSeconds:N1} s");
            }

            var onDisk = Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            var startWatch = Stopwatch.StartNew();
            await using var restarted = await BrokerProcess.StartAsync(executable, dataDir, config);
            var startSeconds = startWatch.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(2));
            var afterStart = restarted.Memory.Rss;

            await using var reader = await WireClient.ConnectAsync(restarted.Port);
            var end = (await reader.ListOffsetsAsync(Topic, 1))[0];
            var offset = Math.Max(0, end - (TailBytes / batch.Length * recordsPerBatch));
            long fetched = 0;
            while (offset < end)
            {
                var bytes = await reader.FetchAsync(Topic, 0, offset, FetchBytes);
                fetched += bytes;
                offset += bytes / batch.Length * recordsPerBatch;
            }

            var afterFetch = restarted.Memory;
            Report.Heading($"rss ({onDisk / Report.MiB / 1024:N2} GiB on disk, {end:N0} records; restart took {startSeconds:N1} s to accept connections)");
            Console.WriteLine($"  RSS after restart            {Report.F(afterStart),8} MiB (goal < 500: {Report.Goal(afterStart < 500)})");
            Console.WriteLine($"  RSS after fetching the tail  {Report.F(afterFetch.Rss),8} MiB (goal < 500: {Report.Goal(afterFetch.Rss < 500)}); {fetched / Report.MiB:N0} MiB fetched in {FetchBytes / 1024} KiB fetches");
            Console.WriteLine($"  peak RSS (VmHWM) since restart {Report.F(afterFetch.Peak)} MiB");
            await restarted.StopAsync();
        }
        finally
        {
            if (!options.Flag("keep") && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
                Console.WriteLine($"  deleted {root}");
            }
        }

        return 0;
    }

    /// <summary>One batch of 1000-byte records just under max.message.bytes (1 MiB by default).</summary>
    private static (byte[] Batch, int Records) BuildBatch()
    {
        using var builder = new RecordBatchBuilder(initialCapacity: 1 << 20);
        var value = new byte[1000];
        Random.Shared.NextBytes(value);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (builder.UncompressedSizeInBytes + RecordBatchBuilder.EstimateRecordSize(0, value.Length) <= 1_000_000)
        {
            builder.Append(timestamp, null, value);
        }

        return (builder.BuildToArray(), builder.Count);
    }
}
