using System.Buffers;
using System.Runtime.InteropServices;

namespace Platform.Benchmarks.Codecs;

/// <summary>
/// The <c>codecs</c> benchmark's baseline: the LZ4 frame codec the client used before the managed one,
/// through Debian's liblz4.so.1 (independent 64 KiB blocks, no content size or checksum).
/// </summary>
internal static partial class NativeLz4
{
    private const string Library = "liblz4.so.1";
    private const uint FrameVersion = 100;
    private const int BlockSizeMax64KB = 4;
    private const int BlockIndependent = 1;
    private const int OutputChunk = 64 * 1024;

    [ThreadStatic]
    private static DecompressionContext? _context;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level)
    {
        var preferences = new Preferences
        {
            BlockSizeId = BlockSizeMax64KB,
            BlockMode = BlockIndependent,
            CompressionLevel = level < 0 ? 0 : level,
        };

        var bound = LZ4F_compressFrameBound((nuint)source.Length, in preferences);
        if (LZ4F_isError(bound) != 0 || bound > int.MaxValue)
        {
            throw new InvalidOperationException($"lz4: input of {source.Length} bytes is too large to compress.");
        }

        var span = destination.GetSpan((int)bound);
        var written = LZ4F_compressFrame(span, (nuint)span.Length, source, (nuint)source.Length, in preferences);
        if (LZ4F_isError(written) != 0)
        {
            throw new InvalidOperationException($"lz4: compression failed ({ErrorName(written)}).");
        }

        destination.Advance((int)written);
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var context = _context ??= DecompressionContext.Create();
        // A previous call may have thrown mid-frame: start clean.
        LZ4F_resetDecompressionContext(context);

        var position = 0;
        while (true)
        {
            var output = destination.GetSpan(OutputChunk);
            var produced = (nuint)output.Length;
            var consumed = (nuint)(source.Length - position);
            var hint = LZ4F_decompress(context, output, ref produced, source[position..], ref consumed, 0);
            if (LZ4F_isError(hint) != 0)
            {
                throw new InvalidDataException($"lz4: corrupt input ({ErrorName(hint)}).");
            }

            destination.Advance((int)produced);
            position += (int)consumed;

            if (hint == 0)
            {
                // A frame ended; anything after it must be another frame.
                if (position == source.Length)
                {
                    return;
                }

                continue;
            }

            if (produced == 0 && consumed == 0)
            {
                throw new InvalidDataException("lz4: truncated frame.");
            }
        }
    }

    private static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(LZ4F_getErrorName(code)) ?? code.ToString();

    [LibraryImport(Library)]
    private static partial uint LZ4F_isError(nuint code);

    [LibraryImport(Library)]
    private static partial nint LZ4F_getErrorName(nuint code);

    [LibraryImport(Library)]
    private static partial nuint LZ4F_compressFrameBound(nuint srcSize, in Preferences preferences);

    [LibraryImport(Library)]
    private static partial nuint LZ4F_compressFrame(Span<byte> dst, nuint dstCapacity, ReadOnlySpan<byte> src, nuint srcSize, in Preferences preferences);

    [LibraryImport(Library)]
    private static partial nuint LZ4F_createDecompressionContext(out nint context, uint version);

    [LibraryImport(Library)]
    private static partial nuint LZ4F_freeDecompressionContext(nint context);

    [LibraryImport(Library)]
    private static partial void LZ4F_resetDecompressionContext(DecompressionContext context);

    [LibraryImport(Library)]
    private static partial nuint LZ4F_decompress(
        DecompressionContext context, Span<byte> dst, ref nuint dstSize, ReadOnlySpan<byte> src, ref nuint srcSize, nint options);

    /// <summary>LZ4F_preferences_t (lz4frame.h, v1.9): frame info, then level and flags.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Preferences
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictId;
        public int BlockChecksumFlag;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    /// <summary>One LZ4F_dctx per thread, freed by the finalizer when the thread dies.</summary>
    internal sealed class DecompressionContext : SafeHandle
    {
        public DecompressionContext()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        public static DecompressionContext Create()
        {
            var code = LZ4F_createDecompressionContext(out var raw, FrameVersion);
            if (LZ4F_isError(code) != 0)
            {
                throw new InvalidOperationException($"lz4: cannot create a decompression context ({ErrorName(code)}).");
            }

            var context = new DecompressionContext();
            context.SetHandle(raw);
            return context;
        }

        protected override bool ReleaseHandle()
        {
            LZ4F_freeDecompressionContext(handle);
            return true;
        }
    }
}
