using Platform.Protocol;

namespace Platform.Storage;

/// <summary>
/// The idempotence state of one partition: a <see cref="ProducerStateEntry"/> per producer id seen in its
/// log, checked and updated by appends under the log's append lock, snapshotted next to the log and
/// rebuilt from the log tail after the snapshot at open (see <see cref="ProducerSnapshots"/>).
/// <para>
/// The checks follow Kafka 2.5+ (KIP-360): a stale epoch is INVALID_PRODUCER_EPOCH; a new epoch must
/// start at sequence 0; within an epoch each batch must follow the previous one
/// (OUT_OF_ORDER_SEQUENCE_NUMBER otherwise); a retry of one of the last 5 batches is answered with its
/// original offsets and not written again. A producer id the partition has no state for (never seen,
/// its batches removed by retention or DeleteRecords before a restart, or expired) is accepted at any
/// sequence: the state is rebuilt from that batch, as Kafka does, so UNKNOWN_PRODUCER_ID is never returned.
/// A retry older than the cached batches (the whole batch lies before them in sequence order) is
/// DUPLICATE_SEQUENCE_NUMBER: it was written before and is not written again, and clients
/// (librdkafka, the Java producer) count it as delivered.
/// </para>
/// </summary>
public sealed partial class ProducerStateManager
{
    /// <summary>Half the sequence space: a batch ending at most this far before the cached ones is an old retry.</summary>
    private const long OldRetryWindow = 1L << 30;

    private readonly Dictionary<long, ProducerStateEntry> _producers = [];

    // Open transactions by first offset: the smallest is the first unstable offset (the LSO's bound).
    private readonly SortedSet<(long FirstOffset, long ProducerId)> _ongoing = [];

    /// <summary>Producers with state.</summary>
    public int Count => _producers.Count;

    /// <summary>The offset the state is complete up to (exclusive): the log end offset once loaded.</summary>
    public long MapEndOffset { get; internal set; }

    /// <summary>First offset of the earliest open transaction in the partition, or -1 when none is open.</summary>
    public long FirstUnstableOffset => _ongoing.Count > 0 ? _ongoing.Min.FirstOffset : -1;

    /// <summary>The state of one producer, or null.</summary>
    public ProducerStateEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>Every producer's state (a copy of the list, for snapshots and tools).</summary>
    public IReadOnlyList<ProducerStateEntry> Producers => [.. _producers.Values];

    /// <summary>
    /// Checks a client batch against the producer's state, or against the previous batch of the same
    /// producer in the same append (<paramref name="pending"/>). Returns <see cref="ErrorCode.None"/> to
    /// append, an error to refuse the append, or None with <paramref name="isDuplicate"/> set and the
    /// original batch in <paramref name="duplicate"/>.
    /// </summary>
    internal ErrorCode Check(in ProducerBatch batch, in ProducerBatch? pending, out bool isDuplicate, out BatchMetadata duplicate, out string? problem)
    {
        isDuplicate = false;
        duplicate = default;
        problem = null;
        if (batch.FirstSequence < 0 && batch.IsTransactional && batch.ProducerEpoch >= 0)
        {
            // The group coordinator's transactional offset commits carry no sequence: only the epoch is checked.
            var current = Get(batch.ProducerId)?.ProducerEpoch ?? -1;
            problem = batch.ProducerEpoch < current ? $"Producer {batch.ProducerId} epoch {batch.ProducerEpoch} is older than the current epoch {current}." : null;
            return problem is null ? ErrorCode.None : ErrorCode.InvalidProducerEpoch;
        }

        if (batch.FirstSequence < 0 || batch.ProducerEpoch < 0)
        {
            problem = $"Batch of producer {batch.ProducerId} has epoch {batch.ProducerEpoch} and base sequence {batch.FirstSequence}.";
            return ErrorCode.InvalidRecord;
        }

        var entry = Get(batch.ProducerId);
        short currentEpoch;
        int lastSequence;
        if (pending is { } previous)
        {
            currentEpoch = previous.ProducerEpoch;
            lastSequence = previous.LastSequence;
        }
        else if (entry is null || entry.ProducerEpoch < 0)
        {
            // Unknown producer (or state without an epoch): accept whatever sequence it continues from.
            return ErrorCode.None;
        }
        else
        {
            currentEpoch = entry.ProducerEpoch;
            lastSequence = entry.LastSequence;
        }

        if (batch.ProducerEpoch < currentEpoch)
        {
            problem = $"Producer {batch.ProducerId} epoch {batch.ProducerEpoch} is older than the current epoch {currentEpoch}.";
            return ErrorCode.InvalidProducerEpoch;
        }

        if (pending is null && entry!.TryFindDuplicate(batch.ProducerEpoch, batch.FirstSequence, batch.LastSequence, out duplicate))
        {
            isDuplicate = true;
            return ErrorCode.None;
        }

        if (batch.ProducerEpoch > currentEpoch)
        {
            if (batch.FirstSequence == 0)
            {
                return ErrorCode.None;
            }

            problem = $"Producer {batch.ProducerId} started epoch {batch.ProducerEpoch} at sequence {batch.FirstSequence}, not 0.";
            return ErrorCode.OutOfOrderSequenceNumber;
        }

        if (ProducerSequence.Follows(lastSequence, batch.FirstSequence))
        {
            return ErrorCode.None;
        }

        if (pending is null && entry!.BatchCount > 0)
        {
            var before = ProducerSequence.DistanceBefore(batch.LastSequence, entry.GetBatch(0).FirstSequence);
            if (before > 0 && before <= OldRetryWindow)
            {
                problem = $"Producer {batch.ProducerId} batch {batch.FirstSequence}..{batch.LastSequence} was appended before the last {entry.BatchCount} batches.";
                return ErrorCode.DuplicateSequenceNumber;
            }
        }

        problem = $"Producer {batch.ProducerId} epoch {batch.ProducerEpoch}: sequence {batch.FirstSequence} does not follow {lastSequence}.";
        return ErrorCode.OutOfOrderSequenceNumber;
    }

    /// <summary>Records an appended (or replayed) data batch.</summary>
    internal void Apply(in ProducerBatch batch)
    {
        var entry = GetOrAdd(batch.ProducerId);
        entry.AddBatch(batch.ProducerEpoch, batch.Metadata);
        if (batch.IsTransactional && entry.CurrentTxnFirstOffset < 0)
        {
            entry.CurrentTxnFirstOffset = batch.FirstOffset;
            _ongoing.Add((batch.FirstOffset, batch.ProducerId));
        }
    }

    /// <summary>
    /// Records a transaction marker (a control batch) of the producer: its transaction on this partition
    /// is over. The coordinator epoch is set by the caller that decoded the marker, if it did.
    /// Returns the first offset of the transaction it ended, or -1 if none was open here.
    /// </summary>
    internal long ApplyMarker(long producerId, short producerEpoch, long timestamp, int coordinatorEpoch = -1)
    {
        var entry = GetOrAdd(producerId);
        var firstOffset = entry.CurrentTxnFirstOffset;
        if (firstOffset >= 0)
        {
            _ongoing.Remove((firstOffset, producerId));
        }

        entry.SetEpoch(producerEpoch);
        entry.CurrentTxnFirstOffset = -1;
        entry.LastTimestamp = timestamp;
        if (coordinatorEpoch >= 0)
        {
            entry.CoordinatorEpoch = coordinatorEpoch;
        }

        return firstOffset;
    }

    /// <summary>
    /// Forgets producers idle for <paramref name="expirationMs"/> (producer.id.expiration.ms) measured from
    /// their last batch's timestamp; a producer with an open transaction stays. Returns how many went.
    /// </summary>
    internal int RemoveExpired(long nowMs, long expirationMs)
    {
        var removed = 0;
        foreach (var (producerId, entry) in _producers)
        {
            if (entry.CurrentTxnFirstOffset < 0 && nowMs - entry.LastTimestamp >= expirationMs)
            {
                _producers.Remove(producerId);
                removed++;
            }
        }

        return removed;
    }

    internal void Clear()
    {
        _producers.Clear();
        _ongoing.Clear();
    }

    internal void Add(ProducerStateEntry entry)
    {
        if (_producers.TryGetValue(entry.ProducerId, out var old) && old.CurrentTxnFirstOffset >= 0)
        {
            _ongoing.Remove((old.CurrentTxnFirstOffset, old.ProducerId));
        }

        _producers[entry.ProducerId] = entry;
        if (entry.CurrentTxnFirstOffset >= 0)
        {
            _ongoing.Add((entry.CurrentTxnFirstOffset, entry.ProducerId));
        }
    }

    private ProducerStateEntry GetOrAdd(long producerId)
    {
        if (!_producers.TryGetValue(producerId, out var entry))
        {
            entry = new ProducerStateEntry(producerId);
            _producers.Add(producerId, entry);
        }

        return entry;
    }
}
