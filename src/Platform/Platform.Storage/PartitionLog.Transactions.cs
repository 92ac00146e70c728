using System.Buffers;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// Transactions of the log (state in <see cref="TransactionState"/>): COMMIT/ABORT markers written by the
/// coordinator, the last stable offset, and the aborted transactions read_committed fetches report, each
/// appended to the <see cref="TransactionIndex"/> of the segment holding its marker.
/// </summary>
public sealed partial class PartitionLog
{
    /// <summary>Offsets below this are readable by read_committed consumers.</summary>
    public long LastStableOffset => _transactions.LastStableOffset(HighWatermark, LogStartOffset);

    /// <summary>First offset of the earliest open transaction, or -1.</summary>
    public long FirstUnstableOffset => _transactions.FirstUnstableOffset;

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
            return _transactions.GetAborted(from, upTo, LogStartOffset);
        }
    }

    /// <summary>Applies a written (or replayed) marker and indexes the transaction it aborted, if any.</summary>
    private void ApplyMarker(ReadOnlySpan<byte> batch)
    {
        try
        {
            _transactions.ApplyMarker(batch, _segments);
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
}
