using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class CompressionTests
{
    public static TheoryData<CompressionType> Codecs =>
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    public static TheoryData<CompressionType> RealCodecs =>
        [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private static byte[] Compress(CompressionType type, ReadOnlySpan<byte> data, int level = -1)
    {
        var writer = new ArrayBufferWriter<byte>();
        Compression.Compress(type, data, writer, level);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Decompress(CompressionType type, ReadOnlySpan<byte> data)
    {
        var writer = new ArrayBufferWriter<byte>();
        Compression.Decompress(type, data, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Text-like data that compresses well, so codecs exercise their match paths.</summary>
    private static byte[] Compressible(int length)
    {
        var builder = new StringBuilder(length);
        var i = 0;
        while (builder.Length < length)
        {
            builder.Append("{\"id\":").Append(i++).Append(",\"name\":\"record-").Append(i % 17).Append("\"}\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString(0, length));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Compress_EmptyInput_RoundTrips(CompressionType type)
    {
        var compressed = Compress(type, []);

        Assert.Empty(Decompress(type, compressed));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Compress_SmallInput_RoundTrips(CompressionType type)
    {
        var data = "hello, kafka"u8.ToArray();

        Assert.Equal(data, Decompress(type, Compress(type, data)));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Compress_LargeRandomInput_RoundTrips(CompressionType type)
    {
        var data = RandomBytes(3 * 1024 * 1024 + 17, seed: (int)type);

        Assert.Equal(data, Decompress(type, Compress(type, data)));
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Compress_CompressibleInput_ShrinksAndRoundTrips(CompressionType type)
    {
        var data = Compressible(1024 * 1024);

        var compressed = Compress(type, data);

        Assert.True(compressed.Length < data.Length / 3, $"{type}: {compressed.Length} of {data.Length}");
        Assert.Equal(data, Decompress(type, compressed));
    }

    [Theory]
    [InlineData(CompressionType.Gzip, 1)]
    [InlineData(CompressionType.Gzip, 9)]
    [InlineData(CompressionType.Lz4, 9)]
    [InlineData(CompressionType.Zstd, 1)]
    [InlineData(CompressionType.Zstd, 19)]
    public void Compress_ExplicitLevel_RoundTrips(CompressionType type, int level)
    {
        var data = Compressible(200_000);

        Assert.Equal(data, Decompress(type, Compress(type, data, level)));
    }

    [Fact]
    public void Compress_Snappy_WritesXerialFraming()
    {
        var compressed = Compress(CompressionType.Snappy, Compressible(100_000));

        Assert.Equal(new byte[] { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0 }, compressed[..8]);
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(compressed.AsSpan(8)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(compressed.AsSpan(12)));
    }

    [Fact]
    public void Decompress_SnappyXerialBuiltByHand_ReturnsConcatenatedChunks()
    {
        var first = Compressible(40_000);
        var second = RandomBytes(5_000, seed: 7);
        var framed = new List<byte>();
        framed.AddRange([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0]);
        framed.AddRange([0, 0, 0, 1, 0, 0, 0, 1]);
        foreach (var chunk in new[] { first, second })
        {
            var block = Snappier.Snappy.CompressToArray(chunk);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, block.Length);
            framed.AddRange(length);
            framed.AddRange(block);
        }

        var plain = Decompress(CompressionType.Snappy, framed.ToArray());

        Assert.Equal(first.Concat(second).ToArray(), plain);
    }

    [Fact]
    public void Decompress_SnappyRawBlock_ReturnsPlain()
    {
        var data = Compressible(50_000);

        Assert.Equal(data, Decompress(CompressionType.Snappy, Snappier.Snappy.CompressToArray(data)));
    }

    [Fact]
    public void Decompress_SnappyXerialChunkLengthPastEnd_Throws()
    {
        byte[] framed = [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 2];

        var ex = Assert.Throws<InvalidDataException>(() => Decompress(CompressionType.Snappy, framed));
        Assert.Contains("snappy", ex.Message);
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Decompress_Garbage_ThrowsInvalidDataNamingCodec(CompressionType type)
    {
        var garbage = RandomBytes(1000, seed: 42);

        var ex = Assert.Throws<InvalidDataException>(() => Decompress(type, garbage));
        Assert.Contains(type.ToString(), ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Decompress_Truncated_ThrowsInvalidData(CompressionType type)
    {
        var compressed = Compress(type, RandomBytes(100_000, seed: 3));

        Assert.Throws<InvalidDataException>(() => Decompress(type, compressed.AsSpan(0, compressed.Length / 2)));
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Decompress_FlippedByte_ThrowsOrDiffers(CompressionType type)
    {
        // Not every codec checksums its payload (snappy, lz4 without content checksum): a flipped byte
        // must either be detected or produce different bytes, but never crash.
        var data = Compressible(50_000);
        var compressed = Compress(type, data);
        compressed[compressed.Length / 2] ^= 0x5A;

        try
        {
            Assert.NotEqual(data, Decompress(type, compressed));
        }
        catch (InvalidDataException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(RealCodecs))]
    public void Decompress_AfterCorruptInputOnSameThread_StillWorks(CompressionType type)
    {
        var data = Compressible(10_000);
        var compressed = Compress(type, data);
        Assert.Throws<InvalidDataException>(() => Decompress(type, compressed.AsSpan(0, compressed.Length - 3)));

        Assert.Equal(data, Decompress(type, compressed));
    }

    [Theory]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Decompress_ConcatenatedFrames_ReturnsBoth(CompressionType type)
    {
        var a = Compressible(1000);
        var b = RandomBytes(1000, seed: 1);

        var plain = Decompress(type, [.. Compress(type, a), .. Compress(type, b)]);

        Assert.Equal(a.Concat(b).ToArray(), plain);
    }

    [Fact]
    public void Decompress_GzipWithWrongTrailerCrc_ThrowsInvalidData()
    {
        var compressed = Compress(CompressionType.Gzip, Compressible(1000));
        compressed[^8] ^= 1;

        var ex = Assert.Throws<InvalidDataException>(() => Decompress(CompressionType.Gzip, compressed));
        Assert.Contains("gzip", ex.Message);
    }

    [Fact]
    public void Decompress_Lz4FramesWithChecksumsSizeAndLinkedBlocks_ReturnsBoth()
    {
        // Other writers (the lz4 tool, python-lz4) set what we leave out: checksums, content size, linked blocks.
        var a = Compressible(300_000);
        var b = RandomBytes(70_000, seed: 5);
        var settings = new K4os.Compression.LZ4.Streams.LZ4EncoderSettings
        {
            BlockSize = 64 * 1024,
            ChainBlocks = true,
            ContentChecksum = true,
            BlockChecksum = true,
        };
        var first = WithContentSize(K4os.Compression.LZ4.Streams.LZ4Frame.Encode(a.AsSpan(), new ArrayBufferWriter<byte>(), settings).WrittenSpan, a.Length);
        var second = K4os.Compression.LZ4.Streams.LZ4Frame.Encode(b.AsSpan(), new ArrayBufferWriter<byte>(), settings).WrittenSpan.ToArray();

        var plain = Decompress(CompressionType.Lz4, [.. first, .. second]);

        Assert.Equal(a.Concat(b).ToArray(), plain);
    }

    /// <summary>Adds the optional content-size field to a frame header (the managed encoder cannot write it).</summary>
    private static byte[] WithContentSize(ReadOnlySpan<byte> frame, long size)
    {
        var descriptor = new byte[2 + 8];
        descriptor[0] = (byte)(frame[4] | 0x08);
        descriptor[1] = frame[5];
        BinaryPrimitives.WriteInt64LittleEndian(descriptor.AsSpan(2), size);
        var headerChecksum = (byte)(K4os.Hash.xxHash.XXH32.DigestOf(descriptor) >> 8);
        return [.. frame[..4], .. descriptor, headerChecksum, .. frame[7..]];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decompress_Lz4BlockChecksumMismatch_ThrowsInvalidData(bool linkedBlocks)
    {
        var settings = new K4os.Compression.LZ4.Streams.LZ4EncoderSettings { BlockChecksum = true, ContentChecksum = linkedBlocks, ChainBlocks = linkedBlocks };
        var compressed = K4os.Compression.LZ4.Streams.LZ4Frame.Encode(Compressible(10_000).AsSpan(), new ArrayBufferWriter<byte>(), settings).WrittenSpan.ToArray();
        compressed[compressed.Length / 2] ^= 0x20;

        var ex = Assert.Throws<InvalidDataException>(() => Decompress(CompressionType.Lz4, compressed));
        Assert.Contains("lz4", ex.Message);
    }

    [Fact]
    public void Decompress_SnappyBlockClaimingHugeLength_ThrowsWithoutAllocatingIt()
    {
        // Varint preamble 0xFFFFFFFF07 = int.MaxValue uncompressed bytes, then one literal byte.
        byte[] block = [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x41];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<InvalidDataException>(() => Decompress(CompressionType.Snappy, block));

        Assert.Contains("snappy", ex.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024);
    }

    [Fact]
    public void Decompress_UnknownType_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Decompress((CompressionType)6, [1, 2, 3]));
    }
}
