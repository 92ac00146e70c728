using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;
using Platform.Storage;

namespace Platform.Broker.Groups;

/// <summary>
/// Reads and writes the coordinator's records in the compacted <c>__consumer_offsets</c> topic:
/// one batch per change (so a multi-partition commit is atomic), tombstones (null values) for
/// deleted offsets and groups, and a full replay of a partition when it is loaded. The transaction
/// coordinator keeps <c>__transaction_state</c> with the same store; transactional offset commits are
/// written as transactional batches of their producer and ended by its COMMIT/ABORT marker.
/// </summary>
internal sealed class OffsetStore(TopicManager topics, TimeProvider time, string topicName = "__consumer_offsets")
{
    public const string TopicName = "__consumer_offsets";

    private const int ReadChunkBytes = 1 << 20;

    /// <summary>Appends the records (a null value is a tombstone) as one batch; returns the error a commit reports.</summary>
    public ErrorCode Append(int partition, IReadOnlyList<(byte[] Key, byte[]? Value)> records, long producerId = -1, short producerEpoch = -1)
    {
        if (records.Count == 0)
        {
            return ErrorCode.None;
        }

        var target = topics.GetPartition(topicName, partition);
        if (target is null)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }

        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = producerEpoch, IsTransactional = producerId >= 0 };
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (key, value) in records)
        {
            builder.Append(now, key, value);
        }

        try
        {
            // Answered only once durable (write.caching=false): a commit acknowledged and then lost would rewind the group.
            target.WaitUntilAcknowledgeable(target.Append(builder.BuildToArray()));
            return ErrorCode.None;
        }
        catch (LogException e)
        {
            // Kafka's mapping of append failures to what a committing client understands.
            return e.ErrorCode switch
            {
                ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge => ErrorCode.InvalidCommitOffsetSize,
                ErrorCode.KafkaStorageError => ErrorCode.CoordinatorNotAvailable,
                _ => ErrorCode.UnknownServerError,
            };
        }
        catch (ObjectDisposedException)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
    }

    /// <summary>Appends a COMMIT/ABORT marker of the producer to the partition; false when the partition is not here.</summary>
    /// <exception cref="LogException">The marker could not be written.</exception>
    public bool AppendMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        var target = topics.GetPartition(topicName, partition);
        if (target is null)
        {
            return false;
        }

        target.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit);
        return true;
    }

    /// <summary>
    /// Calls <paramref name="visit"/> with every record of the partition in offset order (value null for
    /// tombstones; the producer id of a transactional batch, else -1) and <paramref name="marker"/> with
    /// each transaction marker (producer id, true for COMMIT).
    /// </summary>
    public void Replay(int partition, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>?, long> visit, Action<long, bool>? marker = null)
    {
        var log = topics.GetPartition(topicName, partition)?.Log;
        if (log is null)
        {
            return;
        }

        using var reader = new RecordBatchReader();
        var offset = log.LogStartOffset;
        // To the log end, as Kafka's loader: a new leader's high watermark may trail records the ISR is still fetching, which stay committed.
        var end = log.LogEndOffset;
        while (offset < end)
        {
            var records = log.Read(offset, ReadChunkBytes, end).Records;
            if (records.SizeInBytes == 0)
            {
                return;
            }

            var bytes = new byte[records.SizeInBytes];
            records.CopyTo(bytes);
            var next = ReplayBatches(bytes, reader, visit, marker);
            if (next <= offset)
            {
                return;
            }

            offset = next;
        }
    }

    /// <summary>Visits the whole batches in <paramref name="bytes"/>; returns the offset after the last one.</summary>
    private static long ReplayBatches(byte[] bytes, RecordBatchReader reader, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>?, long> visit, Action<long, bool>? marker)
    {
        var next = -1L;
        var batches = new RecordBatchEnumerator(bytes);
        while (batches.MoveNext())
        {
            var batch = batches.Current;
            next = RecordBatchHeader.LastOffset(batch) + 1;
            var producerId = RecordBatchHeader.IsTransactional(batch) ? RecordBatchHeader.ProducerId(batch) : -1;
            reader.Load(bytes.AsMemory(batches.CurrentPosition, batch.Length));
            foreach (var record in reader)
            {
                if (RecordBatchHeader.IsControl(batch))
                {
                    if (producerId >= 0 && record.Key is { } controlKey && ControlRecord.TryReadType(controlKey.Span, out var type) && type is ControlRecordType.Commit or ControlRecordType.Abort)
                    {
                        marker?.Invoke(producerId, type == ControlRecordType.Commit);
                    }
                }
                else if (record.Key is { } key)
                {
                    visit(key, record.Value, producerId);
                }
            }
        }

        return next;
    }
}
