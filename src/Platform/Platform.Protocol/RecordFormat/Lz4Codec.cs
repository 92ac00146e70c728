using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using K4os.Hash.xxHash;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// LZ4 as Kafka uses it since magic 1 with correct header checksums: the standard LZ4 frame format
/// (lz4 frame format 1.6), managed (K4os), so the client needs no native liblz4. We write what Java's
/// KafkaLZ4BlockOutputStream and librdkafka write: independent 64 KiB blocks, no content size or checksum.
/// </summary>
/// <remarks>
/// The frame layer is ours because K4os's frame API allocates a decoder per call, costing half the
/// decode rate on 16 KiB batches, and reads only the first of several concatenated frames. Frames of
/// independent blocks without a content checksum (every Kafka client's) are cut into blocks here and
/// each block goes through K4os's block codec straight into the destination; any other conforming
/// frame (linked blocks, content checksum) is handed to K4os's frame decoder.
/// </remarks>
internal static class Lz4Codec
{
    private const uint FrameMagic = 0x184D2204;
    private const uint SkippableMagicMask = 0xFFFF_FFF0;
    private const uint SkippableMagic = 0x184D_2A50;
    private const int BlockSize = 64 * 1024;
    private const uint StoredBlock = 0x8000_0000;
    private const int MinHighCompressionLevel = 3;

    private const byte FlagVersion1 = 0x40;
    private const byte FlagVersionMask = 0xC0;
    private const byte FlagBlockIndependent = 0x20;
    private const byte FlagBlockChecksum = 0x10;
    private const byte FlagContentSize = 0x08;
    private const byte FlagContentChecksum = 0x04;
    private const byte FlagDictionary = 0x01;

    /// <summary>The block descriptor byte for a 64 KiB block maximum.</summary>
    private const byte Descriptor64KiB = 4 << 4;

    private static readonly byte HeaderChecksum = (byte)(XXH32.DigestOf([FlagVersion1 | FlagBlockIndependent, Descriptor64KiB]) >> 8);

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int level)
    {
        // Levels 1 and 2 are liblz4's fast mode too; 3 to 12 its high-compression levels.
        var lz4Level = level < MinHighCompressionLevel ? LZ4Level.L00_FAST : (LZ4Level)Math.Min(level, (int)LZ4Level.L12_MAX);

        var header = destination.GetSpan(7);
        BinaryPrimitives.WriteUInt32LittleEndian(header, FrameMagic);
        header[4] = FlagVersion1 | FlagBlockIndependent;
        header[5] = Descriptor64KiB;
        header[6] = HeaderChecksum;
        destination.Advance(7);

        while (!source.IsEmpty)
        {
            var chunk = source[..Math.Min(BlockSize, source.Length)];
            source = source[chunk.Length..];
            var span = destination.GetSpan(4 + LZ4Codec.MaximumOutputSize(chunk.Length));
            var length = LZ4Codec.Encode(chunk, span[4..], lz4Level);
            if (length <= 0 || length >= chunk.Length)
            {
                // Incompressible: the frame format stores such a block as is.
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)chunk.Length | StoredBlock);
                chunk.CopyTo(span[4..]);
                length = chunk.Length;
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
            }

            destination.Advance(4 + length);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination.GetSpan(4), 0);
        destination.Advance(4);
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            throw new InvalidDataException("lz4: empty input.");
        }

        // A batch may hold several frames back to back.
        while (!source.IsEmpty)
        {
            source = source[DecodeFrame(source, destination)..];
        }
    }

    /// <summary>Decodes the frame at the start of <paramref name="source"/>; returns its length.</summary>
    private static int DecodeFrame(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.Length < 8)
        {
            throw new InvalidDataException("lz4: truncated frame.");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if ((magic & SkippableMagicMask) == SkippableMagic)
        {
            var skip = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
            return skip <= (uint)(source.Length - 8) ? 8 + (int)skip : throw new InvalidDataException("lz4: truncated skippable frame.");
        }

        if (magic != FrameMagic)
        {
            throw new InvalidDataException("lz4: not an LZ4 frame (bad magic number).");
        }

        var flags = source[4];
        var blockSizeId = (source[5] >> 4) & 0x7;
        if ((flags & FlagVersionMask) != FlagVersion1 || (flags & FlagDictionary) != 0 || blockSizeId < 4)
        {
            throw new InvalidDataException($"lz4: unsupported frame descriptor (flags 0x{flags:X2}, block descriptor 0x{source[5]:X2}).");
        }

        var headerLength = 6 + ((flags & FlagContentSize) != 0 ? 8 : 0) + 1;
        if (source.Length < headerLength || (byte)(XXH32.DigestOf(source[4..(headerLength - 1)]) >> 8) != source[headerLength - 1])
        {
            throw new InvalidDataException("lz4: corrupt frame header (checksum mismatch).");
        }

        var fast = (flags & FlagBlockIndependent) != 0 && (flags & FlagContentChecksum) == 0;
        var maxBlock = 1 << ((2 * blockSizeId) + 8);
        var blockChecksum = (flags & FlagBlockChecksum) != 0 ? 4 : 0;
        var position = headerLength;
        while (true)
        {
            if (source.Length - position < 4)
            {
                throw new InvalidDataException("lz4: truncated frame.");
            }

            var word = BinaryPrimitives.ReadUInt32LittleEndian(source[position..]);
            position += 4;
            if (word == 0)
            {
                break;
            }

            var size = word & ~StoredBlock;
            if (size > maxBlock || size + blockChecksum > (uint)(source.Length - position))
            {
                throw new InvalidDataException($"lz4: block of {size} bytes is larger than the frame's maximum or what is left.");
            }

            var block = source.Slice(position, (int)size);
            position += (int)size + blockChecksum;
            if (fast)
            {
                DecodeBlock(block, (word & StoredBlock) != 0, source[(position - blockChecksum)..position], maxBlock, destination);
            }
        }

        position += (flags & FlagContentChecksum) != 0 ? 4 : 0;
        if (position > source.Length)
        {
            throw new InvalidDataException("lz4: truncated frame.");
        }

        if (!fast)
        {
            DecodeFrameWithK4os(source[..position], destination);
        }

        return position;
    }

    private static void DecodeBlock(ReadOnlySpan<byte> block, bool stored, ReadOnlySpan<byte> checksum, int maxBlock, IBufferWriter<byte> destination)
    {
        if (!checksum.IsEmpty && XXH32.DigestOf(block) != BinaryPrimitives.ReadUInt32LittleEndian(checksum))
        {
            throw new InvalidDataException("lz4: block checksum mismatch.");
        }

        if (stored)
        {
            destination.Write(block);
            return;
        }

        var length = LZ4Codec.Decode(block, destination.GetSpan(maxBlock)[..maxBlock]);
        if (length < 0)
        {
            throw new InvalidDataException("lz4: corrupt block.");
        }

        destination.Advance(length);
    }

    private static void DecodeFrameWithK4os(ReadOnlySpan<byte> frame, IBufferWriter<byte> destination)
    {
        try
        {
            LZ4Frame.Decode(frame, destination);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // K4os reports corrupt frames with several exception types; name the codec whichever it is.
            throw new InvalidDataException($"lz4: corrupt input ({ex.Message})", ex);
        }
    }
}
