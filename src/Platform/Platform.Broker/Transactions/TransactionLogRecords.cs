using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>
/// Kafka's <c>__transaction_state</c> records. Key: <c>int16 version 0, string transactional_id</c>.
/// Value (version 0): <c>int64 producer_id, int16 producer_epoch, int32 transaction_timeout_ms,
/// int8 transaction_status, [string topic, [int32 partition]] transaction_partitions (nullable),
/// int64 transaction_last_update_timestamp_ms, int64 transaction_start_timestamp_ms</c>.
/// </summary>
internal static class TransactionLogRecords
{
    public static byte[] SerializeKey(string transactionalId)
    {
        using var writer = new KafkaWriter(64);
        writer.WriteInt16(0);
        writer.WriteString(transactionalId, compact: false);
        return writer.WrittenSpan.ToArray();
    }

    public static string? ReadKey(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        return reader.ReadInt16() == 0 ? reader.ReadString(compact: false) : null;
    }

    public static byte[] SerializeValue(TransactionSnapshot value)
    {
        using var writer = new KafkaWriter(128);
        writer.WriteInt16(0);
        writer.WriteInt64(value.ProducerId);
        writer.WriteInt16(value.ProducerEpoch);
        writer.WriteInt32(value.TimeoutMs);
        writer.WriteInt8((sbyte)value.State);
        var topics = value.Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).ToList();
        writer.WriteArrayLength(topics.Count, compact: false);
        foreach (var topic in topics)
        {
            writer.WriteString(topic.Key, compact: false);
            writer.WriteArrayLength(topic.Count(), compact: false);
            foreach (var partition in topic)
            {
                writer.WriteInt32(partition.Partition);
            }
        }

        writer.WriteInt64(value.LastUpdateMs);
        writer.WriteInt64(value.StartMs);
        return writer.WrittenSpan.ToArray();
    }

    /// <exception cref="ProtocolException">Malformed bytes.</exception>
    public static TransactionSnapshot ReadValue(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        var version = reader.ReadInt16();
        if (version != 0)
        {
            throw new ProtocolException($"Transaction log value version {version} is not supported.");
        }

        var producerId = reader.ReadInt64();
        var epoch = reader.ReadInt16();
        var timeout = reader.ReadInt32();
        var state = (TransactionState)reader.ReadInt8();
        var partitions = new List<(string, int)>();
        var topics = reader.ReadArrayLength(compact: false);
        for (var t = 0; t < topics; t++)
        {
            var topic = reader.ReadString(compact: false);
            var count = reader.ReadArrayLength(compact: false);
            for (var p = 0; p < count; p++)
            {
                partitions.Add((topic, reader.ReadInt32()));
            }
        }

        var lastUpdate = reader.ReadInt64();
        var start = reader.ReadInt64();
        return new TransactionSnapshot(producerId, epoch, timeout, state, partitions, lastUpdate, start);
    }
}

/// <summary>One stored state of a transactional id.</summary>
internal sealed record TransactionSnapshot(long ProducerId, short ProducerEpoch, int TimeoutMs, TransactionState State, IReadOnlyList<(string Topic, int Partition)> Partitions, long LastUpdateMs, long StartMs);
