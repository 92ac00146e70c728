using System.Buffers;
using System.Diagnostics;
using System.Text;
using Platform.Benchmarks.Codecs;
using Platform.Protocol.RecordFormat;

namespace Platform.Benchmarks;

/// <summary>
/// <c>codecs</c>: compress and decompress MB/s (of uncompressed bytes) of the managed codecs the client uses
/// (Snappier, K4os LZ4, ZstdSharp) against the ones it used before (IronSnappy, Debian's liblz4 and
/// libzstd through P/Invoke), on JSON-like record payloads cut into batches of Kafka's default
/// <c>batch.size</c> (16 KiB) and of 1 MiB. Old and new alternate within each round; each side's output is
/// checked by the other side's decoder first, so the comparison is between interchangeable codecs.
/// </summary>
internal static class CodecBenchmark
{
    private delegate void Codec(ReadOnlySpan<byte> source, IBufferWriter<byte> destination);

    private sealed record Side(string Name, Codec Compress, Codec Decompress);

    public static int Run(Options options)
    {
        var totalBytes = options.Long("mib", 64) * 1024 * 1024;
        var rounds = options.Int("rounds", 3);
        var only = options.String("only", "snappy,lz4,zstd").Split(',');
        var payload = Payload((int)Math.Min(totalBytes, 64 * 1024 * 1024));
        Console.WriteLine($"codecs: {totalBytes / Report.MiB:N0} MiB of JSON-like records per measurement, {rounds} rounds, {Report.Load()}");

        foreach (var (codec, old, managed) in Pairs().Where(p => only.Contains(p.Codec)))
        {
            foreach (var batchSize in new[] { 16 * 1024, 1024 * 1024 })
            {
                CrossCheck(payload.AsSpan(0, batchSize), old, managed);
                List<double> oldCompress = [], newCompress = [], oldDecompress = [], newDecompress = [];
                double ratio = 0;
                for (var round = 0; round < rounds; round++)
                {
                    oldCompress.Add(Measure(payload, batchSize, totalBytes, old.Compress, decompress: null, out _));
                    newCompress.Add(Measure(payload, batchSize, totalBytes, managed.Compress, decompress: null, out ratio));
                    oldDecompress.Add(Measure(payload, batchSize, totalBytes, old.Compress, old.Decompress, out _));
                    newDecompress.Add(Measure(payload, batchSize, totalBytes, managed.Compress, managed.Decompress, out _));
                }

                Report.Heading($"{codec}, {batchSize / 1024} KiB batches (compressed to {Report.Percent(ratio)} by {managed.Name})");
                Report.Row($"compress {old.Name} (MB/s)", oldCompress, "MB/s");
                Report.Row($"compress {managed.Name} (MB/s)", newCompress, "MB/s");
                Report.Row($"decompress {old.Name} (MB/s)", oldDecompress, "MB/s");
                Report.Row($"decompress {managed.Name} (MB/s)", newDecompress, "MB/s");
                Console.WriteLine($"  managed/native: compress {Report.F(Report.Median(newCompress.Zip(oldCompress, (n, o) => n / o)), 2)}x, decompress {Report.F(Report.Median(newDecompress.Zip(oldDecompress, (n, o) => n / o)), 2)}x");
            }
        }

        return 0;
    }

    private static IEnumerable<(string Codec, Side Old, Side Managed)> Pairs()
    {
        yield return ("snappy", new Side("IronSnappy", IronSnappyXerial.Compress, IronSnappyXerial.Decompress), Managed("Snappier", CompressionType.Snappy));
        yield return ("lz4", new Side("liblz4", (s, d) => NativeLz4.Compress(s, d, Compression.DefaultLevel), NativeLz4.Decompress), Managed("K4os", CompressionType.Lz4));
        yield return ("zstd", new Side("libzstd", (s, d) => NativeZstd.Compress(s, d, Compression.DefaultLevel), NativeZstd.Decompress), Managed("ZstdSharp", CompressionType.Zstd));
    }

    private static Side Managed(string name, CompressionType type)
        => new(name, (s, d) => Compression.Compress(type, s, d), (s, d) => Compression.Decompress(type, s, d));

    /// <summary>Either side reads what the other wrote: the two are interchangeable on the wire.</summary>
    private static void CrossCheck(ReadOnlySpan<byte> sample, Side old, Side managed)
    {
        foreach (var (writer, reader) in new[] { (old, managed), (managed, old) })
        {
            var compressed = new ArrayBufferWriter<byte>();
            writer.Compress(sample, compressed);
            var plain = new ArrayBufferWriter<byte>();
            reader.Decompress(compressed.WrittenSpan, plain);
            if (!plain.WrittenSpan.SequenceEqual(sample))
            {
                throw new InvalidOperationException($"{reader.Name} did not read back what {writer.Name} wrote.");
            }
        }
    }

    /// <summary>
    /// MB/s of uncompressed bytes through <paramref name="compress"/>, or through <paramref name="decompress"/>
    /// of batches compressed beforehand (untimed) when one is given.
    /// </summary>
    private static double Measure(byte[] payload, int batchSize, long totalBytes, Codec compress, Codec? decompress, out double ratio)
    {
        var batches = payload.Chunk(batchSize).Where(b => b.Length == batchSize).ToArray();
        var compressed = batches.Select(b =>
        {
            var writer = new ArrayBufferWriter<byte>();
            compress(b, writer);
            return writer.WrittenSpan.ToArray();
        }).ToArray();
        ratio = compressed.Sum(c => (double)c.Length) / batches.Sum(b => (double)b.Length);

        var output = new ArrayBufferWriter<byte>(2 * batchSize);
        var done = 0L;
        var watch = Stopwatch.StartNew();
        for (var i = 0; done < totalBytes; i = (i + 1) % batches.Length)
        {
            output.ResetWrittenCount();
            if (decompress is null)
            {
                compress(batches[i], output);
            }
            else
            {
                decompress(compressed[i], output);
            }

            done += batchSize;
        }

        return done / Report.MB / watch.Elapsed.TotalSeconds;
    }

    /// <summary>JSON-like records as a record batch's body holds them: repeated keys, varying ids, words and numbers.</summary>
    private static byte[] Payload(int size)
    {
        var random = new Random(42);
        string[] words = ["order", "created", "shipped", "paid", "refund", "customer", "berlin", "paris", "tokyo", "lagos", "lima", "oslo"];
        var builder = new StringBuilder(size + 512);
        for (var i = 0; builder.Length < size; i++)
        {
            builder.Append("{\"id\":").Append(1_000_000 + i)
                .Append(",\"event\":\"").Append(words[random.Next(words.Length)])
                .Append("\",\"city\":\"").Append(words[random.Next(words.Length)])
                .Append("\",\"amount\":").Append(random.Next(100_000) / 100.0)
                .Append(",\"ts\":").Append(1_764_000_000_000L + (i * 37L))
                .Append(",\"session\":\"").Append(random.Next().ToString("x8")).Append("\"}");
        }

        return Encoding.ASCII.GetBytes(builder.ToString(0, size));
    }
}
