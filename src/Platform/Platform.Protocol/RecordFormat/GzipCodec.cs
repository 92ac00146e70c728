using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// gzip via the BCL's zlib. The BCL's GZipStream returns a short result instead of failing on truncated
/// input, so decoding also checks the gzip trailer (CRC-32 and length of the plain bytes). That limits
/// decoding to one member, which is what Java's GZIPOutputStream and librdkafka write.
/// </summary>
internal static class GzipCodec
{
    private const int TrailerSize = 8;

    /// <summary>
    /// A complete member holding no data: header, an empty final fixed-Huffman block, zero CRC and length.
    /// GZipStream writes nothing at all when given no data, which no gzip reader accepts.
    /// </summary>
    private static ReadOnlySpan<byte> EmptyMember => [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level)
    {
        if (source.IsEmpty)
        {
            destination.Write(EmptyMember);
            return;
        }

        var options = new ZLibCompressionOptions { CompressionLevel = level is >= 0 and <= 9 ? level : -1 };
        using var output = new BufferWriterStream(destination);
        using var gzip = new GZipStream(output, options, leaveOpen: true);
        gzip.Write(source);
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var (crc, length) = Inflate(source, destination);
        if (source.Length < TrailerSize
            || BinaryPrimitives.ReadUInt32LittleEndian(source[^TrailerSize..]) != crc
            || BinaryPrimitives.ReadUInt32LittleEndian(source[^4..]) != length)
        {
            throw new InvalidDataException("gzip: corrupt input (truncated, or the trailer does not match the data).");
        }
    }

    /// <summary>Inflates and returns the CRC-32 and length (mod 2^32) of the plain bytes.</summary>
    private static (uint Crc, uint Length) Inflate(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        // GZipStream reads from a Stream, and a span cannot back one without unsafe code: copy the
        // (compressed, hence smaller) input into a pooled array instead.
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(source.Length, 1));
        try
        {
            source.CopyTo(rented);
            using var input = new MemoryStream(rented, 0, source.Length, writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var crc = Crc32Ieee.Seed;
            var length = 0u;
            while (true)
            {
                var span = destination.GetSpan(16 * 1024);
                var read = gzip.Read(span);
                if (read == 0)
                {
                    return (Crc32Ieee.Finish(crc), length);
                }

                crc = Crc32Ieee.Append(crc, span[..read]);
                length += (uint)read;
                destination.Advance(read);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"gzip: corrupt input ({ex.Message})", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
