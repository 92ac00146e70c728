using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// The transactions of one partition: the first offset of the earliest open transaction (from which the
/// last stable offset follows) and the aborted transactions read_committed fetches report. Markers close
/// transactions in the producer state; each ABORT becomes an <see cref="AbortedTransaction"/> appended
/// to the <c>.txnindex</c> of the segment holding the marker. At open the index files of live
/// segments are read, and the markers after the producer snapshot replayed, which restores any entry a
/// crash lost. Not thread-safe: the log calls it under its append lock (only the first unstable offset
/// is read without it).
/// </summary>
internal sealed class TransactionState(ProducerStateManager producers)
{
    private readonly List<AbortedTransaction> _aborted = [];
    private long _firstUnstableOffset = -1;

    /// <summary>First offset of the earliest open transaction, or -1.</summary>
    public long FirstUnstableOffset => Volatile.Read(ref _firstUnstableOffset);

    /// <summary>The first open transaction's offset if it is below <paramref name="highWatermark"/> (never below the log start), else the high watermark.</summary>
    public long LastStableOffset(long highWatermark, long logStartOffset)
    {
        var firstUnstable = FirstUnstableOffset;
        return firstUnstable >= 0 && firstUnstable < highWatermark ? Math.Max(firstUnstable, logStartOffset) : highWatermark;
    }

    /// <summary>Takes the first unstable offset from the producer state, after batches were applied to it.</summary>
    public void Refresh() => Volatile.Write(ref _firstUnstableOffset, producers.FirstUnstableOffset);

    /// <summary>
    /// Refuses, before it is written, a marker whose producer epoch is older than its producer's
    /// (INVALID_PRODUCER_EPOCH), or that comes from a transaction coordinator older than the one whose
    /// marker the producer last had (TRANSACTION_COORDINATOR_FENCED: a deposed coordinator still sending).
    /// </summary>
    public void CheckMarker(ReadOnlySpan<byte> batch)
    {
        var entry = producers.Get(RecordBatchHeader.ProducerId(batch));
        if (entry is null)
        {
            return;
        }

        var epoch = RecordBatchHeader.ProducerEpoch(batch);
        if (epoch < entry.ProducerEpoch)
        {
            throw new LogException(ErrorCode.InvalidProducerEpoch, $"Marker of producer {entry.ProducerId} has epoch {epoch}, older than {entry.ProducerEpoch}.");
        }

        if (TryReadMarker(batch, out _, out var coordinatorEpoch) && coordinatorEpoch < entry.CoordinatorEpoch)
        {
            throw new LogException(ErrorCode.TransactionCoordinatorFenced, $"Marker of producer {entry.ProducerId} comes from coordinator epoch {coordinatorEpoch}, older than {entry.CoordinatorEpoch}.");
        }
    }

    /// <summary>
    /// Applies a written (or replayed) marker: the producer's transaction closes, and an ABORT that closed one
    /// not indexed yet is appended to the <c>.txnindex</c> of the segment of <paramref name="segments"/> holding
    /// the marker. An I/O error is thrown (the log goes offline with it).
    /// </summary>
    public void ApplyMarker(ReadOnlySpan<byte> batch, SegmentList segments)
    {
        if (CloseTransaction(batch) is { } aborted)
        {
            // The first entry creates the segment's index file.
            segments.MarkDirectoryChanged();
            segments.Holding(aborted.LastOffset).TxnIndex.Append(aborted);
        }
    }

    /// <summary>Closes the marker's transaction; returns the aborted transaction to index, if any.</summary>
    private AbortedTransaction? CloseTransaction(ReadOnlySpan<byte> batch)
    {
        var producerId = RecordBatchHeader.ProducerId(batch);
        TryReadMarker(batch, out var type, out var coordinatorEpoch);
        var firstOffset = producers.ApplyMarker(producerId, RecordBatchHeader.ProducerEpoch(batch), RecordBatchHeader.MaxTimestamp(batch), coordinatorEpoch);
        var markerOffset = RecordBatchHeader.BaseOffset(batch);
        Refresh();
        if (type != ControlRecordType.Abort || firstOffset < 0 || (_aborted.Count > 0 && _aborted[^1].LastOffset >= markerOffset))
        {
            return null;
        }

        var firstUnstable = producers.FirstUnstableOffset;
        var aborted = new AbortedTransaction(producerId, firstOffset, markerOffset, firstUnstable >= 0 ? firstUnstable : markerOffset + 1);
        _aborted.Add(aborted);
        return aborted;
    }

    /// <summary>The aborted transactions overlapping [<paramref name="from"/>, <paramref name="upTo"/>), oldest first; those wholly before the log start are forgotten.</summary>
    public IReadOnlyList<AbortedTransaction> GetAborted(long from, long upTo, long logStartOffset)
    {
        var gone = 0;
        while (gone < _aborted.Count && _aborted[gone].LastOffset < logStartOffset)
        {
            gone++;
        }

        _aborted.RemoveRange(0, gone);
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

    /// <summary>
    /// Reads the <c>.txnindex</c> of every live segment. An entry must name a marker inside its own
    /// segment: entries past the segment's end (the log was cut after they were written, e.g. a crash
    /// kept the index bytes but not the log's) are cut from the file, not only skipped, or they would
    /// come back as aborts of unrelated batches once the log grows past those offsets again.
    /// </summary>
    public void Load(LogSegment[] segments, long logEndOffset)
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
}
