using System.Buffers.Binary;
using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

/// <summary>Batches for tests, and surgery on their bytes.</summary>
internal static class TestBatches
{
    public static byte[] Build(int records, CompressionType compression = CompressionType.None, long baseOffset = 0, int valueSize = 10)
    {
        using var builder = new RecordBatchBuilder(compression) { BaseOffset = baseOffset };
        for (var i = 0; i < records; i++)
        {
            var value = new byte[valueSize];
            value.AsSpan().Fill((byte)i);
            builder.Append(1_700_000_000_000 + i, BitConverter.GetBytes(i), value);
        }

        return builder.BuildToArray();
    }

    public static byte[] WithInt32(byte[] batch, int offset, int value, bool fixCrc = true)
    {
        var copy = batch.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(offset), value);
        if (fixCrc)
        {
            RecordBatchHeader.UpdateCrc(copy);
        }

        return copy;
    }

    public static byte[] WithByte(byte[] batch, int offset, byte value, bool fixCrc = true)
    {
        var copy = batch.ToArray();
        copy[offset] = value;
        if (fixCrc)
        {
            RecordBatchHeader.UpdateCrc(copy);
        }

        return copy;
    }
}
