using System.Buffers.Binary;

namespace Platform.Protocol.RecordFormat;

/// <summary>The type in a control record's key.</summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
}

/// <summary>
/// Control records: the single record of a control batch. The key is version int16 + type int16;
/// for transaction markers (ABORT/COMMIT) the value is version int16 + coordinatorEpoch int32.
/// </summary>
public static class ControlRecord
{
    public const short CurrentVersion = 0;
    public const int KeySize = 4;
    public const int EndTransactionMarkerValueSize = 6;

    public static void WriteKey(Span<byte> destination, ControlRecordType type)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentVersion);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)type);
    }

    public static byte[] CreateKey(ControlRecordType type)
    {
        var key = new byte[KeySize];
        WriteKey(key, type);
        return key;
    }

    public static void WriteEndTransactionMarkerValue(Span<byte> destination, int coordinatorEpoch)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentVersion);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], coordinatorEpoch);
    }

    public static byte[] CreateEndTransactionMarkerValue(int coordinatorEpoch)
    {
        var value = new byte[EndTransactionMarkerValueSize];
        WriteEndTransactionMarkerValue(value, coordinatorEpoch);
        return value;
    }

    /// <summary>
    /// Reads the type from a control record key. Like Kafka, a newer version is read as far as version 0
    /// goes; false for a short key or a negative version. Unknown types (e.g. KRaft's) are returned as is.
    /// </summary>
    public static bool TryReadType(ReadOnlySpan<byte> key, out ControlRecordType type)
    {
        type = default;
        if (key.Length < KeySize || BinaryPrimitives.ReadInt16BigEndian(key) < 0)
        {
            return false;
        }

        type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        return true;
    }

    /// <summary>Reads the coordinator epoch from an ABORT/COMMIT marker's value.</summary>
    public static bool TryReadCoordinatorEpoch(ReadOnlySpan<byte> value, out int coordinatorEpoch)
    {
        coordinatorEpoch = 0;
        if (value.Length < EndTransactionMarkerValueSize || BinaryPrimitives.ReadInt16BigEndian(value) < 0)
        {
            return false;
        }

        coordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(value[2..]);
        return true;
    }

    /// <summary>
    /// Writes a whole transaction marker batch (transactional + control, one record) for a partition,
    /// as the broker appends on EndTxn / WriteTxnMarkers. Returns its size.
    /// </summary>
    public static int WriteEndTransactionMarkerBatch(
        System.Buffers.IBufferWriter<byte> destination,
        ControlRecordType type,
        long producerId,
        short producerEpoch,
        int coordinatorEpoch,
        long timestamp,
        long baseOffset = 0,
        int partitionLeaderEpoch = -1)
    {
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> value = stackalloc byte[EndTransactionMarkerValueSize];
        WriteKey(key, type);
        WriteEndTransactionMarkerValue(value, coordinatorEpoch);

        using var builder = new RecordBatchBuilder(CompressionType.None, initialCapacity: 64)
        {
            BaseOffset = baseOffset,
            PartitionLeaderEpoch = partitionLeaderEpoch,
            ProducerId = producerId,
            ProducerEpoch = producerEpoch,
            IsTransactional = true,
            IsControl = true,
        };
        builder.Append(timestamp, key, keyIsNull: false, value, valueIsNull: false);
        return builder.Build(destination);
    }
}
