using System.Buffers;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>One aborted transaction of a partition, as Kafka's <c>.txnindex</c> keeps it.</summary>
/// <param name="ProducerId">The producer whose transaction aborted.</param>
/// <param name="FirstOffset">Offset of the transaction's first batch in this partition.</param>
/// <param name="LastOffset">Offset of the ABORT marker.</param>
/// <param name="LastStableOffset">The partition's last stable offset right after the marker.</param>
public readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset);

/// <summary>
/// Transactions of the log: COMMIT/ABORT markers written by the coordinator, the last stable offset
/// (first offset of the earliest open transaction, else the high watermark) and the aborted
/// transactions read_committed fetches report. Each ABORT is appended to the <see cref="TransactionIndex"/>
/// (<c>.txnindex</c>) of the segment holding its marker, which is flushed, renamed and deleted with that
/// segment; at open the index files of live segments are read and the markers after the producer
/// snapshot replayed, which restores any entry a crash lost.
/// </summary>
public sealed partial class PartitionLog
{
    private readonly List<AbortedTransaction> _aborted = [];
    private long _firstUnstableOffset = -1;

    /// <summary>Offsets below this are readable by read_committed consumers.</summary>
    public long LastStableOffset
    {
        get
        {
            var highWatermark = HighWatermark;
            var firstUnstable = Volatile.Read(ref _firstUnstableOffset);
            return firstUnstable >= 0 && firstUnstable < highWatermark ? Math.Max(firstUnstable, LogStartOffset) : highWatermark;
        }
    }

    /// <summary>First offset of the earliest open transaction, or -1.</summary>
    public long FirstUnstableOffset => Volatile.Read(ref _firstUnstableOffset);

    /// <summary>
    /// Appends a COMMIT or ABORT marker for <paramref name="producerId"/>, ending its transaction on this
    /// partition. An epoch older than the producer's is refused with INVALID_PRODUCER_EPOCH.
    /// </summary>
    public LogAppendInfo AppendMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, int leaderEpoch)
    {
        var writer = new ArrayBufferWriter<byte>(96);
        ControlRecord.WriteEndTransactionMarkerBatch(writer, commit ? ControlRecordType.Commit : ControlRecordType.Abort, producerId, producerEpoch, coordinatorEpoch, NowMs);
        return Append(writer.WrittenSpan.ToArray(), leaderEpoch);
    }

    /// <summary>The aborted transactions overlapping [<paramref name="from"/>, <paramref name="upTo"/>), oldest first.</summary>
    public IReadOnlyList<AbortedTransaction> GetAbortedTransactions(long from, long upTo)
    {
        lock (_lock)
        {
            TrimAbortedTransactions(LogStartOffset);
            List<AbortedTransaction>? found = null;
            foreach (var aborted in _aborted)
            {
                if (aborted.LastOffset >= from && aborted.FirstOffset < upTo)
                {
                    (found ??= []).Add(aborted);
                }
            }

            return found ?? (IReadOnlyList<AbortedTransaction>)[];
        }
    }

    /// <summary>Reads the type and coordinator epoch of a marker batch (a control batch's single record).</summary>
    internal static bool TryReadMarker(ReadOnlySpan<byte> batch, out ControlRecordType type, out int coordinatorEpoch)
    {
        type = default;
        coordinatorEpoch = -1;
        using var reader = new RecordBatchReader();
        reader.Load(batch.ToArray());
        foreach (var record in reader)
        {
            if (record.Key is not { } key || !ControlRecord.TryReadType(key.Span, out type))
            {
                return false;
            }

            if (record.Value is { } value)
            {
                ControlRecord.TryReadCoordinatorEpoch(value.Span, out coordinatorEpoch);
            }

            return true;
        }

        return false;
    }

    /// <summary>Checks a marker against the producer state before it is written (under the append lock).</summary>
    private void CheckMarker(ReadOnlySpan<byte> batch)
    {
        var entry = _producerState.Get(RecordBatchHeader.ProducerId(batch));
        var epoch = RecordBatchHeader.ProducerEpoch(batch);
        if (entry is not null && epoch < entry.ProducerEpoch)
        {
            ThrowProducerError(ErrorCode.InvalidProducerEpoch, $"Marker of producer {entry.ProducerId} has epoch {epoch}, older than {entry.ProducerEpoch}.");
        }
    }

    /// <summary>Applies a written (or replayed) marker: the transaction closes; an ABORT is indexed.</summary>
    private void ApplyMarker(ReadOnlySpan<byte> batch, bool persist)
    {
        var producerId = RecordBatchHeader.ProducerId(batch);
        TryReadMarker(batch, out var type, out var coordinatorEpoch);
        var firstOffset = _producerState.ApplyMarker(producerId, RecordBatchHeader.ProducerEpoch(batch), RecordBatchHeader.MaxTimestamp(batch), coordinatorEpoch);
        var markerOffset = RecordBatchHeader.BaseOffset(batch);
        Volatile.Write(ref _firstUnstableOffset, _producerState.FirstUnstableOffset);
        if (type != ControlRecordType.Abort || firstOffset < 0 || (_aborted.Count > 0 && _aborted[^1].LastOffset >= markerOffset))
        {
            return;
        }

        var firstUnstable = _producerState.FirstUnstableOffset;
        var aborted = new AbortedTransaction(producerId, firstOffset, markerOffset, firstUnstable >= 0 ? firstUnstable : markerOffset + 1);
        _aborted.Add(aborted);
        if (persist)
        {
            WriteTxnIndexEntry(aborted);
        }
    }

    private void WriteTxnIndexEntry(AbortedTransaction aborted)
    {
        var segment = _segments.LastOrDefault(s => s.BaseOffset <= aborted.LastOffset) ?? _segments[^1];
        try
        {
            // The first entry creates the segment's index file.
            _directoryChanged = true;
            segment.TxnIndex.Append(aborted);
        }
        catch (IOException e)
        {
            // Not swallowed: a roll would soon write a producer snapshot past this marker, and the restart's
            // replay, which starts at that snapshot, would never restore the entry, so read_committed would
            // show the aborted records. Offline, the log writes no snapshot, and the restart replays the marker.
            _logger.AppendFailed(Directory, e);
            throw GoOffline("write", e);
        }
    }

    /// <summary>
    /// Reads the <c>.txnindex</c> of every live segment. An entry must name a marker inside its own
    /// segment: entries past the segment's end (the log was cut after they were written, e.g. a crash
    /// kept the index bytes but not the log's) are cut from the file, not only skipped, or they would
    /// come back as aborts of unrelated batches once the log grows past those offsets again.
    /// </summary>
    private void LoadTxnIndexes(LogSegment[] segments, long logEndOffset)
    {
        _aborted.Clear();
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var end = i + 1 < segments.Length ? segments[i + 1].BaseOffset : logEndOffset;
            var entries = segment.TxnIndex.Read();
            if (entries.Count > 0 && entries[^1].LastOffset >= end)
            {
                segment.TxnIndex.TruncateTo(end);
            }

            foreach (var aborted in entries)
            {
                if (aborted.LastOffset < end && (_aborted.Count == 0 || _aborted[^1].LastOffset < aborted.LastOffset))
                {
                    _aborted.Add(aborted);
                }
            }
        }
    }

    /// <summary>Forgets aborted transactions wholly before the log start (their segments are gone).</summary>
    private void TrimAbortedTransactions(long logStartOffset)
    {
        var count = 0;
        while (count < _aborted.Count && _aborted[count].LastOffset < logStartOffset)
        {
            count++;
        }

        _aborted.RemoveRange(0, count);
    }
}
