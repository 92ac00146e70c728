using System.Buffers.Binary;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// Snapshot files, <c>&lt;offset&gt;.snapshot</c>: the state as of that offset (every batch below it applied).
/// Kafka's names and role, our own content, so all cached batches survive a restart (Kafka's keeps only
/// the last one per producer). Big-endian:
/// <code>
/// version int16 (1) | crc uint32 (CRC-32C of the rest) | count int32 |
/// count x [producerId int64 | epoch int16 | coordinatorEpoch int32 | currentTxnFirstOffset int64 |
///          lastTimestamp int64 | batchCount int8 |
///          batchCount x [firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64 | timestamp int64]]
/// </code>
/// </summary>
public sealed partial class ProducerStateManager
{
    private const short SnapshotVersion = 1;
    private const int SnapshotHeaderSize = 2 + 4 + 4;
    private const int EntryHeaderSize = 8 + 2 + 4 + 8 + 8 + 1;
    private const int BatchSize = 4 + 4 + 8 + 8 + 8;

    /// <summary>The state as snapshot bytes (taken under the append lock, written to disk later).</summary>
    public byte[] Serialize()
    {
        var size = SnapshotHeaderSize;
        foreach (var entry in _producers.Values)
        {
            size += EntryHeaderSize + (entry.BatchCount * BatchSize);
        }

        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, SnapshotVersion);
        BinaryPrimitives.WriteInt32BigEndian(span[6..], _producers.Count);
        var position = SnapshotHeaderSize;
        foreach (var entry in _producers.Values)
        {
            var e = span[position..];
            BinaryPrimitives.WriteInt64BigEndian(e, entry.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(e[8..], entry.ProducerEpoch);
            BinaryPrimitives.WriteInt32BigEndian(e[10..], entry.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(e[14..], entry.CurrentTxnFirstOffset);
            BinaryPrimitives.WriteInt64BigEndian(e[22..], entry.LastTimestamp);
            e[30] = (byte)entry.BatchCount;
            position += EntryHeaderSize;
            for (var i = 0; i < entry.BatchCount; i++)
            {
                var batch = entry.GetBatch(i);
                var b = span[position..];
                BinaryPrimitives.WriteInt32BigEndian(b, batch.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(b[4..], batch.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(b[8..], batch.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(b[16..], batch.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(b[24..], batch.Timestamp);
                position += BatchSize;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[2..], Crc32C.Compute(span[6..]));
        return bytes;
    }

    /// <summary>Replaces the state with a snapshot's; false (state untouched) if the bytes are not a valid snapshot.</summary>
    public bool TryLoad(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < SnapshotHeaderSize
            || BinaryPrimitives.ReadInt16BigEndian(bytes) != SnapshotVersion
            || BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]) != Crc32C.Compute(bytes[6..]))
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[6..]);
        var entries = new List<ProducerStateEntry>(Math.Max(0, Math.Min(count, bytes.Length / EntryHeaderSize)));
        var position = SnapshotHeaderSize;
        for (var n = 0; n < count; n++)
        {
            if (bytes.Length - position < EntryHeaderSize)
            {
                return false;
            }

            var e = bytes[position..];
            var entry = new ProducerStateEntry(BinaryPrimitives.ReadInt64BigEndian(e))
            {
                CoordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(e[10..]),
                CurrentTxnFirstOffset = BinaryPrimitives.ReadInt64BigEndian(e[14..]),
            };
            var epoch = BinaryPrimitives.ReadInt16BigEndian(e[8..]);
            entry.SetEpoch(epoch);
            var lastTimestamp = BinaryPrimitives.ReadInt64BigEndian(e[22..]);
            int batches = e[30];
            position += EntryHeaderSize;
            if (batches > ProducerStateEntry.MaxCachedBatches || bytes.Length - position < batches * BatchSize)
            {
                return false;
            }

            for (var i = 0; i < batches; i++)
            {
                var b = bytes[position..];
                entry.AddBatch(epoch, new BatchMetadata(
                    BinaryPrimitives.ReadInt32BigEndian(b),
                    BinaryPrimitives.ReadInt32BigEndian(b[4..]),
                    BinaryPrimitives.ReadInt64BigEndian(b[8..]),
                    BinaryPrimitives.ReadInt64BigEndian(b[16..]),
                    BinaryPrimitives.ReadInt64BigEndian(b[24..])));
                position += BatchSize;
            }

            entry.LastTimestamp = lastTimestamp;
            entries.Add(entry);
        }

        if (position != bytes.Length)
        {
            return false;
        }

        Clear();
        foreach (var entry in entries)
        {
            Add(entry);
        }

        return true;
    }
}
