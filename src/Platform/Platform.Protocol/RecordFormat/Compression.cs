using System.Buffers;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// The four codecs a RecordBatch v2 may use for its records section. Each call is self-contained and
/// thread-safe. Corrupt input raises <see cref="InvalidDataException"/> whose message names the codec;
/// nothing here can take the process down on hostile bytes.
/// </summary>
public static class Compression
{
    /// <summary>The value of <c>level</c> that selects the codec's own default.</summary>
    public const int DefaultLevel = -1;

    /// <summary>
    /// Compresses <paramref name="source"/> and appends the result to <paramref name="destination"/>,
    /// in the form Kafka clients produce: a gzip member, xerial-framed snappy, an LZ4 frame, a zstd frame.
    /// </summary>
    /// <param name="level">Codec level (gzip 0-9, lz4 0-12, zstd 1-22 or negative fast levels); -1 for the default.</param>
    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level = DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(destination);
        switch (type)
        {
            case CompressionType.None:
                destination.Write(source);
                break;
            case CompressionType.Gzip:
                GzipCodec.Compress(source, destination, level);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Compress(source, destination);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Compress(source, destination, level);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Compress(source, destination, level);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown compression type.");
        }
    }

    /// <summary>Decompresses <paramref name="source"/> and appends the plain bytes to <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The input is corrupt, truncated, or names an unknown codec.</exception>
    public static void Decompress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        switch (type)
        {
            case CompressionType.None:
                destination.Write(source);
                break;
            case CompressionType.Gzip:
                GzipCodec.Decompress(source, destination);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Decompress(source, destination);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Decompress(source, destination);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Decompress(source, destination);
                break;
            default:
                throw new InvalidDataException($"Unknown compression type {(int)type}.");
        }
    }
}
