using System.Buffers.Binary;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage.Tests;

/// <summary>Builds uncompressed RecordBatch v2 bytes for tests (base offset 0; the log assigns offsets).</summary>
internal static class TestBatches
{
    public static byte[] Create(int records = 1, long timestamp = 1_000, int valueSize = 10, string? key = null, bool tombstone = false)
    {
        var keys = Enumerable.Range(0, records).Select(_ => key).ToArray();
        return Create(keys, timestamp, valueSize, tombstone);
    }

    public static byte[] Create(IReadOnlyList<string?> keys, long timestamp, int valueSize = 10, bool tombstone = false)
    {
        var body = new List<byte>();
        for (var i = 0; i < keys.Count; i++)
        {
            var record = new List<byte> { 0 };
            WriteVarLong(record, i);
            WriteVarLong(record, i);
            var key = keys[i] is null ? null : System.Text.Encoding.UTF8.GetBytes(keys[i]!);
            WriteVarLong(record, key?.Length ?? -1);
            record.AddRange(key ?? []);
            if (tombstone)
            {
                WriteVarLong(record, -1);
            }
            else
            {
                WriteVarLong(record, valueSize);
                record.AddRange(Enumerable.Repeat((byte)('a' + (i % 26)), valueSize));
            }

            WriteVarLong(record, 0);
            WriteVarLong(body, record.Count);
            body.AddRange(record);
        }

        var batch = new byte[RecordBatchHeader.Size + body.Count];
        BinaryPrimitives.WriteInt64BigEndian(batch, 0);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(12), -1);
        batch[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), 0);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(23), keys.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(27), timestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(35), timestamp + keys.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(43), -1);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(51), -1);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(53), -1);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), keys.Count);
        body.CopyTo(batch, RecordBatchHeader.Size);
        RecordBatchHeader.UpdateCrc(batch);
        return batch;
    }

    /// <summary>A batch of an idempotent producer: <paramref name="records"/> records from <paramref name="baseSequence"/>.</summary>
    public static byte[] Idempotent(long producerId, short epoch, int baseSequence, int records = 1, long timestamp = 1_000, string? key = null, bool transactional = false)
    {
        var batch = Create(records, timestamp, key: key);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(43), producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(51), epoch);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(53), baseSequence);
        if (transactional)
        {
            BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), RecordBatchHeader.TransactionalFlag);
        }

        RecordBatchHeader.UpdateCrc(batch);
        return batch;
    }

    /// <summary>Splits bytes read from the log into whole batches (a cut last batch is dropped, as clients do).</summary>
    public static List<byte[]> Split(ReadOnlySpan<byte> data)
    {
        var batches = new List<byte[]>();
        while (data.Length >= RecordBatchHeader.Size && RecordBatchHeader.TotalSize(data) <= data.Length)
        {
            var size = RecordBatchHeader.TotalSize(data);
            batches.Add(data[..size].ToArray());
            data = data[size..];
        }

        return batches;
    }

    private static void WriteVarLong(List<byte> output, long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }

        output.Add((byte)v);
    }
}
