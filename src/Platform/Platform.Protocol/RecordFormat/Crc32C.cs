using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of RecordBatch v2. The BCL's <see cref="BitOperations.Crc32C(uint, ulong)"/>
/// uses the SSE4.2/ARM instruction and has no pre/post inversion, which this adds.
/// The instruction takes three cycles but can start one every cycle, so data of three lanes or more is
/// checksummed as three interleaved lanes, whose results are joined by shifting the first two past the
/// lanes after them (a CRC without inversion is linear: feeding n zero bytes is a fixed 32x32 bit matrix,
/// applied here as four byte-indexed tables). Every produced and every appended batch passes through this.
/// </summary>
public static class Crc32C
{
    private const int Lane = 1024;

    // Moving a lane's CRC past one lane and past two lanes of data that follows it.
    private static readonly uint[] PastOneLane = ShiftTable(Lane);
    private static readonly uint[] PastTwoLanes = ShiftTable(2 * Lane);

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        ref var next = ref MemoryMarshal.GetReference(data);
        var left = data.Length;
        while (left >= 3 * Lane)
        {
            uint first = crc, second = 0, third = 0;
            for (var i = 0; i < Lane; i += 8)
            {
                first = BitOperations.Crc32C(first, Read(ref Unsafe.Add(ref next, i)));
                second = BitOperations.Crc32C(second, Read(ref Unsafe.Add(ref next, Lane + i)));
                third = BitOperations.Crc32C(third, Read(ref Unsafe.Add(ref next, 2 * Lane + i)));
            }

            crc = Shift(PastTwoLanes, first) ^ Shift(PastOneLane, second) ^ third;
            next = ref Unsafe.Add(ref next, 3 * Lane);
            left -= 3 * Lane;
        }

        for (; left >= 8; left -= 8)
        {
            crc = BitOperations.Crc32C(crc, Read(ref next));
            next = ref Unsafe.Add(ref next, 8);
        }

        for (; left > 0; left--)
        {
            crc = BitOperations.Crc32C(crc, next);
            next = ref Unsafe.Add(ref next, 1);
        }

        return crc;
    }

    /// <summary>Eight bytes in the order the checksum takes them, first byte lowest.</summary>
    private static ulong Read(ref byte at)
        => BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<ulong>(ref at) : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref at));

    private static uint Shift(uint[] table, uint crc)
        => table[(byte)crc] ^ table[256 + (byte)(crc >> 8)] ^ table[512 + (byte)(crc >> 16)] ^ table[768 + (crc >> 24)];

    /// <summary>For each byte of a CRC, by position and value: what it becomes after <paramref name="zeroBytes"/> zero bytes.</summary>
    private static uint[] ShiftTable(int zeroBytes)
    {
        Span<uint> bits = stackalloc uint[32];
        for (var bit = 0; bit < 32; bit++)
        {
            var crc = 1u << bit;
            for (var i = 0; i < zeroBytes; i += 8)
            {
                crc = BitOperations.Crc32C(crc, 0UL);
            }

            bits[bit] = crc;
        }

        var table = new uint[4 * 256];
        for (var position = 0; position < 4; position++)
        {
            for (var value = 0; value < 256; value++)
            {
                var shifted = 0u;
                for (var bit = 0; bit < 8; bit++)
                {
                    if ((value & (1 << bit)) != 0)
                    {
                        shifted ^= bits[(8 * position) + bit];
                    }
                }

                table[(256 * position) + value] = shifted;
            }
        }

        return table;
    }
}
