using System.Buffers;
using System.Buffers.Binary;
using IronSnappy;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Snappy as Kafka clients use it. Java (snappy-java's SnappyOutputStream) writes the xerial framing:
/// an 8-byte magic <c>\x82SNAPPY\0</c>, int32 version and int32 compatible version (both 1, big-endian),
/// then chunks of [int32 BE compressed length][raw snappy block]. librdkafka writes a bare raw block.
/// We decode both and encode with the xerial framing, which every client accepts.
/// </summary>
internal static class SnappyCodec
{
    private const int HeaderSize = 16;

    /// <summary>Uncompressed bytes per chunk, as snappy-java's default block size.</summary>
    private const int ChunkSize = 32 * 1024;

    private static ReadOnlySpan<byte> Magic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var header = destination.GetSpan(HeaderSize);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1);
        destination.Advance(HeaderSize);

        while (!source.IsEmpty)
        {
            var chunk = source[..Math.Min(ChunkSize, source.Length)];
            source = source[chunk.Length..];

            // IronSnappy only exposes an allocating Encode; one array per 32 KiB chunk.
            var block = Snappy.Encode(chunk);
            var span = destination.GetSpan(4 + block.Length);
            BinaryPrimitives.WriteInt32BigEndian(span, block.Length);
            block.CopyTo(span[4..]);
            destination.Advance(4 + block.Length);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (!IsXerialFramed(source))
        {
            DecodeBlock(source, destination);
            return;
        }

        source = source[HeaderSize..];
        while (!source.IsEmpty)
        {
            if (source.Length < 4)
            {
                throw new InvalidDataException("snappy: truncated xerial chunk length.");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(source);
            if (length < 0 || length > source.Length - 4)
            {
                throw new InvalidDataException($"snappy: xerial chunk length {length} exceeds the {source.Length - 4} bytes left.");
            }

            DecodeBlock(source.Slice(4, length), destination);
            source = source[(4 + length)..];
        }
    }

    internal static bool IsXerialFramed(ReadOnlySpan<byte> source) => source.Length >= HeaderSize && source.StartsWith(Magic);

    private static void DecodeBlock(ReadOnlySpan<byte> block, IBufferWriter<byte> destination)
    {
        byte[] plain;
        try
        {
            plain = Snappy.Decode(block);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // IronSnappy reports corruption with several exception types (and index errors on some inputs).
            throw new InvalidDataException($"snappy: corrupt input ({ex.Message})", ex);
        }

        destination.Write(plain);
    }
}
