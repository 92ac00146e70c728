namespace Platform.Storage;

/// <summary>One batch a producer appended: its sequence range, offsets and max timestamp.</summary>
/// <param name="FirstSequence">Sequence of the batch's first record.</param>
/// <param name="LastSequence">Sequence of its last record (wrapping past <see cref="int.MaxValue"/> to 0).</param>
/// <param name="FirstOffset">Offset of the batch's first record (its base offset).</param>
/// <param name="LastOffset">Offset of its last record.</param>
/// <param name="Timestamp">The batch's max timestamp.</param>
public readonly record struct BatchMetadata(int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);

/// <summary>
/// What a partition knows about one producer id: its epoch, its last <see cref="MaxCachedBatches"/>
/// batches (to answer retries with their original offsets) and the slots the transaction coordinator
/// builds on (<see cref="CoordinatorEpoch"/>, <see cref="CurrentTxnFirstOffset"/>).
/// Mutated only under the owning log's append lock.
/// </summary>
public sealed class ProducerStateEntry
{
    /// <summary>Batches kept per producer: clients keep at most 5 requests in flight, so a retry is one of the last 5.</summary>
    public const int MaxCachedBatches = 5;

    private readonly BatchMetadata[] _batches = new BatchMetadata[MaxCachedBatches];
    private int _start;
    private int _count;

    public ProducerStateEntry(long producerId) => ProducerId = producerId;

    public long ProducerId { get; }

    /// <summary>The epoch of the producer's latest batch (or marker); -1 before any.</summary>
    public short ProducerEpoch { get; internal set; } = -1;

    /// <summary>Epoch of the transaction coordinator that wrote the last marker; -1 if none.</summary>
    public int CoordinatorEpoch { get; internal set; } = -1;

    /// <summary>First offset of the producer's open transaction on this partition; -1 if none is open.</summary>
    public long CurrentTxnFirstOffset { get; internal set; } = -1;

    /// <summary>Max timestamp of the producer's latest batch; inactivity (producer.id.expiration.ms) counts from it.</summary>
    public long LastTimestamp { get; internal set; } = -1;

    /// <summary>How many batches are cached (at most <see cref="MaxCachedBatches"/>).</summary>
    public int BatchCount => _count;

    /// <summary>The last sequence appended in the current epoch, or -1.</summary>
    public int LastSequence => _count == 0 ? -1 : LastBatch.LastSequence;

    /// <summary>The newest cached batch (default when none).</summary>
    public BatchMetadata LastBatch => _count == 0 ? default : _batches[(_start + _count - 1) % MaxCachedBatches];

    /// <summary>The cached batch at <paramref name="index"/>, oldest first.</summary>
    public BatchMetadata GetBatch(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
        return _batches[(_start + index) % MaxCachedBatches];
    }

    /// <summary>A copy, for readers outside the append lock.</summary>
    internal ProducerStateEntry Clone()
    {
        var copy = new ProducerStateEntry(ProducerId)
        {
            ProducerEpoch = ProducerEpoch,
            CoordinatorEpoch = CoordinatorEpoch,
            CurrentTxnFirstOffset = CurrentTxnFirstOffset,
            LastTimestamp = LastTimestamp,
            _start = _start,
            _count = _count,
        };
        _batches.CopyTo(copy._batches, 0);
        return copy;
    }

    /// <summary>A cached batch of the same epoch with exactly this sequence range: the request is a retry.</summary>
    internal bool TryFindDuplicate(short epoch, int firstSequence, int lastSequence, out BatchMetadata duplicate)
    {
        if (epoch == ProducerEpoch)
        {
            for (var i = 0; i < _count; i++)
            {
                var batch = _batches[(_start + i) % MaxCachedBatches];
                if (batch.FirstSequence == firstSequence && batch.LastSequence == lastSequence)
                {
                    duplicate = batch;
                    return true;
                }
            }
        }

        duplicate = default;
        return false;
    }

    /// <summary>Records a batch; a new epoch forgets the batches of the old one.</summary>
    internal void AddBatch(short epoch, in BatchMetadata batch)
    {
        SetEpoch(epoch);
        if (_count == MaxCachedBatches)
        {
            _start = (_start + 1) % MaxCachedBatches;
            _count--;
        }

        _batches[(_start + _count) % MaxCachedBatches] = batch;
        _count++;
        LastTimestamp = batch.Timestamp;
    }

    internal void SetEpoch(short epoch)
    {
        if (epoch != ProducerEpoch)
        {
            ProducerEpoch = epoch;
            _start = _count = 0;
        }
    }
}
