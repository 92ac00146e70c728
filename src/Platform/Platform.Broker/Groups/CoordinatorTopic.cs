using System.Collections.Concurrent;
using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;
using Platform.Storage;

namespace Platform.Broker.Groups;

/// <summary>
/// The compacted topic a coordinator keeps its state in (<c>__consumer_offsets</c>, <c>__transaction_state</c>):
/// one batch per change (so a multi-partition commit is atomic), tombstones (null values) for deleted
/// keys, transaction markers, and a full replay of a partition when it is loaded. Writes go through one
/// <see cref="CoordinatorWriteQueue"/> per partition: appended in order, completed in order once durable.
/// </summary>
internal sealed class CoordinatorTopic(TopicManager topics, TimeProvider time, string name)
{
    private const int ReadChunkBytes = 1 << 20;

    private readonly ConcurrentDictionary<int, CoordinatorWriteQueue> _queues = new();

    public string Name => name;

    /// <summary>
    /// Appends the records (a null value is a tombstone) as one batch, transactional when a producer is
    /// given, and calls <paramref name="complete"/> with the outcome once the batch is durable (see
    /// <see cref="CoordinatorWriteQueue.Write"/>); UNKNOWN_TOPIC_OR_PARTITION when the partition is not here.
    /// </summary>
    public void Write(int partition, IReadOnlyList<(byte[] Key, byte[]? Value)> records, Action<ErrorCode> complete, long producerId = -1, short producerEpoch = -1)
        => Queue(partition).Write(
            () =>
            {
                if (records.Count == 0)
                {
                    return Task.CompletedTask;
                }

                var target = PartitionOrThrow(partition);
                using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = producerEpoch, IsTransactional = producerId >= 0 };
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                foreach (var (key, value) in records)
                {
                    builder.Append(now, key, value);
                }

                return target.WhenAcknowledgeable(target.Append(builder.BuildToArray()));
            },
            complete);

    /// <summary>Appends a COMMIT/ABORT marker of the producer, completed like <see cref="Write"/>.</summary>
    public void WriteMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit, Action<ErrorCode> complete)
        => Queue(partition).Write(
            () =>
            {
                var target = PartitionOrThrow(partition);
                return target.WhenAcknowledgeable(target.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit));
            },
            complete);

    /// <summary>
    /// Kafka's mapping of a failed offsets write to what a committing client understands: a partition of the topic
    /// without its leader or enough replicas is a coordinator to find again (retriable); other errors pass as they are.
    /// </summary>
    public static ErrorCode CommitError(ErrorCode writeError) => writeError switch
    {
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidFetchSize => ErrorCode.InvalidCommitOffsetSize,
        _ => CoordinatorUnavailable(writeError) ?? writeError,
    };

    /// <summary>
    /// Kafka's mapping of a failed group metadata write (JoinGroup of a static member, SyncGroup): retriable where the
    /// topic's partition lost its leader or replicas, a rebalance where the write timed out, else a server error.
    /// </summary>
    public static ErrorCode GroupStoreError(ErrorCode writeError) => writeError switch
    {
        ErrorCode.RequestTimedOut => ErrorCode.RebalanceInProgress,
        _ => CoordinatorUnavailable(writeError) ?? ErrorCode.UnknownServerError,
    };

    private static ErrorCode? CoordinatorUnavailable(ErrorCode writeError) => writeError switch
    {
        ErrorCode.None => ErrorCode.None,
        ErrorCode.KafkaStorageError or ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownTopicOrPartition
            or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend => ErrorCode.CoordinatorNotAvailable,
        _ => null,
    };

    private CoordinatorWriteQueue Queue(int partition) => _queues.GetOrAdd(partition, static _ => new CoordinatorWriteQueue());

    private Partition PartitionOrThrow(int partition)
        => topics.GetPartition(name, partition) ?? throw new LogException(ErrorCode.UnknownTopicOrPartition, $"{name}-{partition} is not here.");

    /// <summary>
    /// Calls <paramref name="visit"/> with every record of the partition in offset order (value null for
    /// tombstones; the producer id of a transactional batch, else -1) and <paramref name="marker"/> with
    /// each transaction marker (producer id, true for COMMIT).
    /// </summary>
    public void Replay(int partition, Action<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>?, long> visit, Action<long, bool>? marker = null)
    {
        var log = topics.GetPartition(name, partition)?.Log;
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
