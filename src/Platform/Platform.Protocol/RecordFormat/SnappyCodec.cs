using System.Buffers;
using System.Buffers.Binary;
using Snappier;

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

    private const int MaxExpansion = 22;

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

            var span = destination.GetSpan(4 + Snappy.GetMaxCompressedLength(chunk.Length));
            var length = Snappy.Compress(chunk, span[4..]);
            BinaryPrimitives.WriteInt32BigEndian(span, length);
            destination.Advance(4 + length);
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
        int length;
        try
        {
            length = Snappy.GetUncompressedLength(block);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"snappy: corrupt length preamble ({ex.Message})", ex);
        }

        // No snappy element expands more than 64 bytes from 3 (a copy with a 2-byte offset): a larger
        // claimed length is hostile, and must not make us allocate it.
        if (length > (long)block.Length * MaxExpansion)
        {
            throw new InvalidDataException($"snappy: block of {block.Length} bytes claims {length} uncompressed bytes.");
        }

        try
        {
            var span = destination.GetSpan(length);
            destination.Advance(Snappy.Decompress(block, span[..length]));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Snappier reports corruption with InvalidDataException and argument errors; name the codec either way.
            throw new InvalidDataException($"snappy: corrupt input ({ex.Message})", ex);
        }
    }
}
