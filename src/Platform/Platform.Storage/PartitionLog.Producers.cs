using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// Producer state (idempotence) of the log: checked and updated inside <see cref="Append"/> under the
/// append lock; snapshotted to <c>&lt;offset&gt;.snapshot</c> at each roll (after the rolled segment is
/// flushed) and at a clean close; at open, the newest valid snapshot at or below the log end is loaded
/// and the batches after it replayed, so a crash loses nothing the log kept. Retention and
/// DeleteRecords leave the state alone (Kafka 2.5+): producers go only by producer.id.expiration.ms.
/// </summary>
public sealed partial class PartitionLog
{
    private const int ReplayBufferSize = 8 * 1024;

    private readonly ProducerStateManager _producerState = new();

    /// <summary>Producers this partition holds state for.</summary>
    public int ProducerCount
    {
        get
        {
            lock (_lock)
            {
                return _producerState.Count;
            }
        }
    }

    /// <summary>A copy of one producer's state, or null.</summary>
    public ProducerStateEntry? GetProducerState(long producerId)
    {
        lock (_lock)
        {
            return _producerState.Get(producerId)?.Clone();
        }
    }

    /// <summary>Copies of every producer's state (DescribeProducers, tools, tests).</summary>
    public IReadOnlyList<ProducerStateEntry> GetProducers()
    {
        lock (_lock)
        {
            return [.. _producerState.Producers.Select(p => p.Clone())];
        }
    }

    /// <summary>Forgets producers idle longer than <paramref name="expirationMs"/>; returns how many went.</summary>
    public int RemoveExpiredProducers(long nowMs, long expirationMs)
    {
        lock (_lock)
        {
            return _closed ? 0 : _producerState.RemoveExpired(nowMs, expirationMs);
        }
    }

    /// <summary>The answer to a retry: the original batch's offsets, nothing written.</summary>
    private LogAppendInfo DuplicateInfo(in BatchMetadata duplicate, LogConfig config)
    {
        var logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? duplicate.Timestamp : -1;
        return new LogAppendInfo(duplicate.FirstOffset, duplicate.LastOffset, logAppendTime, duplicate.Timestamp, duplicate.LastOffset, 0, 0, _logStartOffset, IsDuplicate: true);
    }

    /// <summary>
    /// Loads the newest usable producer snapshot (see <see cref="ProducerSnapshots"/>) and the transaction
    /// indexes, then replays the producer batches and markers after the snapshot up to the log end.
    /// </summary>
    private void LoadProducerState(LogSegment[] segments, long logEndOffset)
    {
        var from = _snapshots.LoadNewest(_producerState, logEndOffset);
        _transactions.Load(segments, logEndOffset);
        var replayed = 0;
        foreach (var segment in segments)
        {
            if (segment.NextOffset <= from)
            {
                continue;
            }

            var size = segment.Size;
            var start = from > segment.BaseOffset ? Math.Clamp(segment.OffsetIndex.Lookup(from), 0, size) : 0;
            using var scanner = new BatchScanner(segment.File, start, size, ReplayBufferSize);
            // Whole batches: a marker's type (COMMIT or ABORT) is in its record.
            while (scanner.Next(wholeBatch: true) == ScanStatus.Batch)
            {
                var header = scanner.Current;
                if (RecordBatchHeader.ProducerId(header) < 0 || RecordBatchHeader.LastOffset(header) < from)
                {
                    continue;
                }

                if (RecordBatchHeader.IsControl(header))
                {
                    ApplyMarker(header);
                }
                else
                {
                    _producerState.Apply(ProducerBatch.FromHeader(header));
                }

                replayed++;
            }
        }

        // Entries the replay restored (or load cut) may sit in segments below the recovery point, which
        // the flush after recovery skips; they must be durable before a later snapshot stops replaying them.
        foreach (var segment in segments)
        {
            segment.TxnIndex.Flush();
        }

        _producerState.MapEndOffset = logEndOffset;
        _transactions.Refresh();
        if (replayed > 0)
        {
            _logger.ProducerStateRebuilt(Directory, from, logEndOffset, replayed, _producerState.Count);
        }
    }
}
