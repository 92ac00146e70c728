using System.Buffers;
using System.Runtime.InteropServices;

namespace Platform.Benchmarks.Codecs;

/// <summary>
/// The <c>codecs</c> benchmark's baseline: the zstd codec the client used before the managed one, through
/// Debian's libzstd.so.1, decoding as a stream. Contexts are cached per thread and reset before each use.
/// </summary>
internal static partial class NativeZstd
{
    private const string Library = "libzstd.so.1";
    private const int DefaultCompressionLevel = 3;
    private const int ResetSessionOnly = 1;
    private const int OutputChunk = 128 * 1024;

    [ThreadStatic]
    private static CompressionContext? _compression;

    [ThreadStatic]
    private static DecompressionContext? _decompression;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level)
    {
        var context = _compression ??= Create<CompressionContext>(ZSTD_createCCtx());
        var bound = ZSTD_compressBound((nuint)source.Length);
        if (ZSTD_isError(bound) != 0 || bound > int.MaxValue)
        {
            throw new InvalidOperationException($"zstd: input of {source.Length} bytes is too large to compress.");
        }

        var span = destination.GetSpan((int)bound);
        var written = ZSTD_compressCCtx(context, span, (nuint)span.Length, source, (nuint)source.Length, level == -1 ? DefaultCompressionLevel : level);
        if (ZSTD_isError(written) != 0)
        {
            throw new InvalidOperationException($"zstd: compression failed ({ErrorName(written)}).");
        }

        destination.Advance((int)written);
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            throw new InvalidDataException("zstd: empty input.");
        }

        var context = _decompression ??= Create<DecompressionContext>(ZSTD_createDCtx());
        ZSTD_DCtx_reset(context, ResetSessionOnly);

        nuint position = 0;
        while (true)
        {
            var output = destination.GetSpan(OutputChunk);
            nuint produced = 0;
            var before = position;
            var hint = ZSTD_decompressStream_simpleArgs(context, output, (nuint)output.Length, ref produced, source, (nuint)source.Length, ref position);
            if (ZSTD_isError(hint) != 0)
            {
                throw new InvalidDataException($"zstd: corrupt input ({ErrorName(hint)}).");
            }

            destination.Advance((int)produced);

            // 0 means a frame is complete and flushed; more input may hold another frame.
            if (hint == 0 && position == (nuint)source.Length)
            {
                return;
            }

            if (produced == 0 && position == before)
            {
                throw new InvalidDataException("zstd: truncated frame.");
            }
        }
    }

    private static T Create<T>(nint raw)
        where T : SafeHandle, new()
    {
        if (raw == 0)
        {
            throw new InvalidOperationException("zstd: cannot create a context.");
        }

        var handle = new T();
        Marshal.InitHandle(handle, raw);
        return handle;
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(ZSTD_getErrorName(code)) ?? code.ToString();

    [LibraryImport(Library)]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport(Library)]
    private static partial nint ZSTD_getErrorName(nuint code);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_compressBound(nuint srcSize);

    [LibraryImport(Library)]
    private static partial nint ZSTD_createCCtx();

    [LibraryImport(Library)]
    private static partial nuint ZSTD_freeCCtx(nint context);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_compressCCtx(
        CompressionContext context, Span<byte> dst, nuint dstCapacity, ReadOnlySpan<byte> src, nuint srcSize, int level);

    [LibraryImport(Library)]
    private static partial nint ZSTD_createDCtx();

    [LibraryImport(Library)]
    private static partial nuint ZSTD_freeDCtx(nint context);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_DCtx_reset(DecompressionContext context, int directive);

    [LibraryImport(Library)]
    private static partial nuint ZSTD_decompressStream_simpleArgs(
        DecompressionContext context, Span<byte> dst, nuint dstCapacity, ref nuint dstPos, ReadOnlySpan<byte> src, nuint srcSize, ref nuint srcPos);

    /// <summary>A ZSTD_CCtx, freed by the finalizer when its thread dies.</summary>
    internal sealed class CompressionContext : SafeHandle
    {
        public CompressionContext()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            ZSTD_freeCCtx(handle);
            return true;
        }
    }

    /// <summary>A ZSTD_DCtx, freed by the finalizer when its thread dies.</summary>
    internal sealed class DecompressionContext : SafeHandle
    {
        public DecompressionContext()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            ZSTD_freeDCtx(handle);
            return true;
        }
    }
}
