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

    /// <summary>Rebuilds the producer state and transactions from the newest snapshot and the batches after it (see <see cref="ProducerSnapshots.Rebuild"/>).</summary>
    private void LoadProducerState(long logEndOffset)
    {
        var (from, replayed) = _snapshots.Rebuild(_producerState, _transactions, _segments, logEndOffset);
        if (replayed > 0)
        {
            _logger.ProducerStateRebuilt(Directory, from, logEndOffset, replayed, _producerState.Count);
        }
    }
}
