using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Protocol.RecordFormat;
using Platform.Storage;

namespace Platform.Benchmarks;

/// <summary>
/// <c>storage</c>: appends uncompressed batches through <see cref="PartitionLog"/> (fsync at the end, like
/// dd's conv=fdatasync), reads them back with <see cref="PartitionLog.Read"/> from a cold cache when the
/// kernel lets us drop it, and runs dd in the same round for the disk's own figure.
/// </summary>
internal static partial class StorageBenchmark
{
    public static int Run(Options options)
    {
        var root = options.String("dir", Path.Combine(Path.GetTempPath(), "platform-bench-storage"));
        var totalBytes = options.Long("total-mib", 1024) * 1024 * 1024;
        var batchBytes = options.Int("batch-kib", 16) * 1024;
        var readBytes = options.Int("read-kib", 1024) * 1024;
        var rounds = options.Int("rounds", 3);
        Directory.CreateDirectory(root);
        Console.WriteLine($"storage: {totalBytes / Report.MiB:N0} MiB in {batchBytes / 1024} KiB batches, reads of {readBytes / 1024} KiB, {rounds} rounds, in {root} ({Report.FreeDisk(root)}, {Report.Load()})");

        var batch = BuildBatch(batchBytes);
        var count = (int)(totalBytes / batch.Length);
        List<double> append = [], read = [], dd = [];
        var dropped = true;
        for (var round = 1; round <= rounds; round++)
        {
            var ddRate = RunDd(root, totalBytes);
            var directory = Path.Combine(root, "bench-0");
            DeleteDirectory(directory);
            var (appendRate, readRate, cold) = RunLog(directory, batch, count, readBytes);
            DeleteDirectory(directory);
            dropped &= cold;
            append.Add(appendRate);
            read.Add(readRate);
            dd.Add(ddRate);
            Console.WriteLine($"  round {round}: append {Report.F(appendRate)} MB/s, read {Report.F(readRate)} MB/s ({(cold ? "cold cache" : "WARM cache")}), dd {Report.F(ddRate)} MB/s, {Report.Load()}");
        }

        Report.Heading($"storage ({count:N0} batches of {batch.Length:N0} bytes = {count * (double)batch.Length / Report.MB:N0} MB; page cache dropped before reads: {(dropped ? "yes" : "no")})");
        Report.Row("append + fsync (MB/s)", append, "MB/s");
        Report.Row("read (MB/s)", read, "MB/s");
        Report.Row("dd conv=fdatasync (MB/s)", dd, "MB/s");
        var appendRatio = Report.Median(append.Zip(dd, (a, d) => a / d));
        var readRatio = Report.Median(read.Zip(dd, (r, d) => r / d));
        Console.WriteLine($"  append/dd  median {Report.Percent(appendRatio)} (goal >= 70%: {Report.Goal(appendRatio >= 0.7)})");
        Console.WriteLine($"  read/dd    median {Report.Percent(readRatio)} (goal >= 100%: {Report.Goal(readRatio >= 1.0)})");
        return 0;
    }

    /// <summary>One batch of 100-byte records filling about <paramref name="size"/> bytes.</summary>
    private static byte[] BuildBatch(int size)
    {
        using var builder = new RecordBatchBuilder();
        var value = new byte[100];
        Array.Fill(value, (byte)'x');
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (builder.UncompressedSizeInBytes + RecordBatchBuilder.EstimateRecordSize(0, value.Length) <= size)
        {
            builder.Append(timestamp, null, value);
        }

        return builder.BuildToArray();
    }

    private static (double Append, double Read, bool Cold) RunLog(string directory, byte[] batch, int count, int readBytes)
    {
        // The log rewrites base offsets in place, outside the CRC, so one buffer serves every append.
        var log = PartitionLog.Open(directory, LogConfig.Default, PhysicalFileSystem.Instance, NullLogger.Instance, TimeProvider.System);
        var watch = Stopwatch.StartNew();
        var memory = batch.AsMemory();
        for (var i = 0; i < count; i++)
        {
            log.Append(memory, leaderEpoch: 0);
        }

        log.Flush();
        var appendRate = count * (double)batch.Length / Report.MB / watch.Elapsed.TotalSeconds;

        var cold = Shell.DropCaches();
        var buffer = new byte[readBytes + batch.Length];
        long offset = 0;
        watch.Restart();
        while (offset < log.LogEndOffset)
        {
            var records = log.Read(offset, readBytes).Records;
            records.CopyTo(buffer);
            offset = NextOffset(buffer.AsSpan(0, records.SizeInBytes), offset);
        }

        // The log's size, not the bytes copied: a batch cut at the end of one read is read again by the next.
        var readRate = log.Size / Report.MB / watch.Elapsed.TotalSeconds;
        log.Close();
        return (appendRate, readRate, cold);
    }

    /// <summary>The offset after the last whole batch in <paramref name="data"/> (a cut last batch is read again).</summary>
    private static long NextOffset(ReadOnlySpan<byte> data, long current)
    {
        var next = current;
        while (data.Length >= RecordBatchHeader.Size && RecordBatchHeader.TotalSize(data) <= data.Length)
        {
            next = RecordBatchHeader.LastOffset(data) + 1;
            data = data[RecordBatchHeader.TotalSize(data)..];
        }

        return next > current ? next : throw new InvalidOperationException($"No whole batch read at offset {current}.");
    }

    /// <summary>dd of the same volume with fdatasync; the rate is computed from dd's own bytes and seconds.</summary>
    private static double RunDd(string root, long totalBytes)
    {
        var file = Path.Combine(root, "dd.bin");
        var result = Shell.Run("dd", "if=/dev/zero", $"of={file}", "bs=1M", $"count={totalBytes / (1024 * 1024)}", "conv=fdatasync");
        File.Delete(file);
        var match = DdSummary().Match(result.Stderr);
        if (result.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"dd failed: {result.Stderr}");
        }

        var bytes = double.Parse(match.Groups["bytes"].Value, CultureInfo.InvariantCulture);
        var seconds = double.Parse(match.Groups["seconds"].Value.Replace(',', '.'), CultureInfo.InvariantCulture);
        return bytes / Report.MB / seconds;
    }

    private static void DeleteDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^(?<bytes>\d+) bytes .* copied, (?<seconds>[\d.,]+) s", RegexOptions.Multiline)]
    private static partial Regex DdSummary();
}
