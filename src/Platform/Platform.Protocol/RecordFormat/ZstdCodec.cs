using System.Buffers;
using ZstdSharp;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// zstd, managed (ZstdSharp, a port of libzstd), so the client needs no native libzstd. Decoding streams,
/// because Java's zstd-jni writes frames without a content size; it also accepts concatenated frames.
/// Contexts are cached per thread and reset before each use.
/// </summary>
internal static class ZstdCodec
{
    private const int DefaultCompressionLevel = 3;
    private const int OutputChunk = 128 * 1024;

    [ThreadStatic]
    private static Compressor? _compressor;

    [ThreadStatic]
    private static Decompressor? _decompressor;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level)
    {
        level = level == Compression.DefaultLevel ? DefaultCompressionLevel : level;
        var compressor = _compressor ??= new Compressor(level);
        if (compressor.Level != level)
        {
            compressor.Level = level;
        }

        var span = destination.GetSpan(Compressor.GetCompressBound(source.Length));
        destination.Advance(compressor.Wrap(source, span));
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            throw new InvalidDataException("zstd: empty input.");
        }

        var decompressor = _decompressor ??= new Decompressor();
        // A previous call may have thrown mid-frame: start clean.
        decompressor.ResetStream();

        var position = 0;
        while (true)
        {
            var output = destination.GetSpan(OutputChunk);
            OperationStatus status;
            int consumed, produced;
            try
            {
                status = decompressor.UnwrapStream(source[position..], output, out consumed, out produced);
            }
            catch (ZstdException ex)
            {
                throw new InvalidDataException($"zstd: corrupt input ({ex.Message}).", ex);
            }

            destination.Advance(produced);
            position += consumed;

            // Done means a frame is complete and flushed; more input may hold another frame.
            if (status == OperationStatus.Done && position == source.Length)
            {
                return;
            }

            if (produced == 0 && consumed == 0)
            {
                throw new InvalidDataException("zstd: truncated frame.");
            }
        }
    }
}
