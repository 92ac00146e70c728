using System.Buffers;
using System.Buffers.Binary;

namespace Platform.Benchmarks.Codecs;

/// <summary>
/// The <c>codecs</c> benchmark's snappy baseline: what the client did before Snappier, IronSnappy's
/// allocating block codec under the xerial framing (32 KiB chunks).
/// </summary>
internal static class IronSnappyXerial
{
    private const int ChunkSize = 32 * 1024;
    private const int HeaderSize = 16;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        destination.Write(Header());
        while (!source.IsEmpty)
        {
            var chunk = source[..Math.Min(ChunkSize, source.Length)];
            source = source[chunk.Length..];
            var block = IronSnappy.Snappy.Encode(chunk);
            var span = destination.GetSpan(4 + block.Length);
            BinaryPrimitives.WriteInt32BigEndian(span, block.Length);
            block.CopyTo(span[4..]);
            destination.Advance(4 + block.Length);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        source = source[HeaderSize..];
        while (!source.IsEmpty)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(source);
            destination.Write(IronSnappy.Snappy.Decode(source.Slice(4, length)));
            source = source[(4 + length)..];
        }
    }

    private static byte[] Header() => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1];
}
