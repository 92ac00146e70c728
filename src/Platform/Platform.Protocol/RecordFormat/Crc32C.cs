using System.Buffers.Binary;
using System.Numerics;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of RecordBatch v2. The BCL's <see cref="BitOperations.Crc32C(uint, ulong)"/>
/// uses the SSE4.2/ARM instruction and has no pre/post inversion, which this adds.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
