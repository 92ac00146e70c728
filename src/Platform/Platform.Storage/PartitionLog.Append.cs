using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>The append path: check and number the batches, write them, then apply them to the producer and transaction state.</summary>
public sealed partial class PartitionLog
{
    /// <summary>
    /// Appends validated batches: assigns offsets by rewriting each base offset in place, stamps the
    /// leader epoch, and for LogAppendTime topics the broker time (and CRC). One write per call.
    /// Batches with a producer id are checked against the producer state first (see
    /// <see cref="ProducerStateManager"/>): a refused batch throws a <see cref="LogException"/> with
    /// Kafka's error and writes nothing; a retry of a recent batch writes nothing and returns the
    /// original offsets with <see cref="LogAppendInfo.IsDuplicate"/> set.
    /// On an I/O error nothing becomes visible, the log goes offline and a <see cref="StorageException"/> is thrown.
    /// With write.caching=false the high watermark moves only once a group commit has fsynced the
    /// batches (see <see cref="WaitForDurableAsync"/>).
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches, int leaderEpoch)
    {
        var span = batches.Span;
        var config = _config;
        LogAppendInfo info;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            var now = NowMs;
            var logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? now : -1;
            var append = AssignOffsets(span, leaderEpoch, logAppendTime, config);
            if (append.IsDuplicate)
            {
                return DuplicateInfo(append.Duplicate, config);
            }

            Write(span, append.FirstTimestamp, append.NextOffset - 1, now, config);
            Apply(span, append);
            Volatile.Write(ref _logEndOffset, append.NextOffset);
            Interlocked.Add(ref _unflushedMessages, append.Records);
            info = new LogAppendInfo(append.FirstOffset, append.NextOffset - 1, logAppendTime, append.MaxTimestamp, append.OffsetOfMaxTimestamp, append.Records, span.Length, _logStartOffset);
        }

        if (config.WriteCaching)
        {
            AdvanceHighWatermark(info.LastOffset + 1);
        }
        else
        {
            _groupCommit.Appended(info.Bytes);
        }

        if (_unflushedMessages >= config.FlushMessages || NowMs - _lastFlushMs >= config.FlushMs)
        {
            Flush();
        }

        return info;
    }

    /// <summary>
    /// Checks every batch and rewrites its header (offsets from the log end, leader epoch, LogAppendTime),
    /// checking idempotent batches and markers against the producer state without changing it. Caller holds the lock.
    /// </summary>
    private PreparedAppend AssignOffsets(Span<byte> span, int leaderEpoch, long logAppendTime, LogConfig config)
    {
        var append = new PreparedAppend { FirstOffset = _logEndOffset, NextOffset = _logEndOffset };
        var position = 0;
        while (position < span.Length)
        {
            var batch = NextBatch(span, position, config);
            RecordBatchHeader.SetBaseOffset(batch, append.NextOffset);
            RecordBatchHeader.SetPartitionLeaderEpoch(batch, leaderEpoch);
            if (logAppendTime >= 0)
            {
                RecordBatchHeader.StampLogAppendTime(batch, logAppendTime);
            }

            // Idempotent batches only: non-idempotent ones cost this one header read.
            if (RecordBatchHeader.ProducerId(batch) >= 0 && RecordBatchHeader.IsControl(batch))
            {
                _transactions.CheckMarker(batch);
                (append.Markers ??= []).Add(position);
            }
            else if (RecordBatchHeader.ProducerId(batch) >= 0 && CheckProducerBatch(batch, ref append))
            {
                // A retry answers with the original's offsets, which only works for a batch appended alone.
                return position == 0 && batch.Length == span.Length
                    ? append
                    : throw new LogException(ErrorCode.InvalidRecord, "A retried idempotent batch must be appended alone, not with other batches.");
            }

            var timestamp = RecordBatchHeader.MaxTimestamp(batch);
            var last = RecordBatchHeader.LastOffset(batch);
            if (position == 0)
            {
                append.FirstTimestamp = timestamp;
            }

            if (timestamp > append.MaxTimestamp)
            {
                append.MaxTimestamp = timestamp;
                append.OffsetOfMaxTimestamp = last;
            }

            append.Records += (int)(last - append.NextOffset + 1);
            append.NextOffset = last + 1;
            position += batch.Length;
        }

        return position > 0 ? append : throw new LogException(ErrorCode.CorruptMessage, "Append of no batches.");
    }

    /// <summary>Checks an idempotent batch (after the earlier ones of the same append); true if it is a retry of one already in the log.</summary>
    private bool CheckProducerBatch(ReadOnlySpan<byte> batch, ref PreparedAppend append)
    {
        var producerBatch = ProducerBatch.FromHeader(batch);
        var pending = append.FirstProducerBatch is null ? null : PendingFor(producerBatch.ProducerId, append.FirstProducerBatch, append.MoreProducerBatches);
        var error = _producerState.Check(producerBatch, pending, out append.IsDuplicate, out append.Duplicate, out var problem);
        if (error != ErrorCode.None)
        {
            throw new LogException(error, problem ?? error.ToString());
        }

        if (!append.IsDuplicate)
        {
            if (append.FirstProducerBatch is null)
            {
                append.FirstProducerBatch = producerBatch;
            }
            else
            {
                (append.MoreProducerBatches ??= []).Add(producerBatch);
            }
        }

        return append.IsDuplicate;
    }

    /// <summary>Writes the batches to the active segment, rolling first if they do not belong in it; an I/O error takes the log offline.</summary>
    private void Write(ReadOnlySpan<byte> span, long firstTimestamp, long lastOffset, long now, LogConfig config)
    {
        try
        {
            var segment = _segments[^1];
            if (segment.ShouldRoll(span.Length, firstTimestamp, lastOffset, now, config))
            {
                segment = Roll(now);
            }

            segment.Append(span);
        }
        catch (IOException e)
        {
            _logger.AppendFailed(Directory, e);
            throw GoOffline("write", e);
        }
    }

    /// <summary>Applies written batches to the producer state and written markers to the transactions.</summary>
    private void Apply(ReadOnlySpan<byte> span, in PreparedAppend append)
    {
        if (append.FirstProducerBatch is { } first)
        {
            _producerState.Apply(first);
            foreach (var more in append.MoreProducerBatches ?? [])
            {
                _producerState.Apply(more);
            }
        }

        foreach (var marker in append.Markers ?? [])
        {
            ApplyMarker(span[marker..]);
        }

        _producerState.MapEndOffset = append.NextOffset;
        _transactions.Refresh();
    }

    private static Span<byte> NextBatch(Span<byte> span, int position, LogConfig config)
    {
        var remaining = span.Length - position;
        if (remaining < RecordBatchHeader.Size)
        {
            throw new LogException(ErrorCode.CorruptMessage, $"{remaining} bytes at position {position} are not a whole batch.");
        }

        var size = RecordBatchHeader.TotalSize(span[position..]);
        if (size < RecordBatchHeader.Size || size > remaining)
        {
            throw new LogException(ErrorCode.CorruptMessage, $"Batch at position {position} claims {size} bytes; {remaining} remain.");
        }

        if (size > config.MaxMessageBytes)
        {
            throw new LogException(ErrorCode.MessageTooLarge, $"Batch of {size} bytes exceeds max.message.bytes {config.MaxMessageBytes}.");
        }

        if (size > config.SegmentBytes)
        {
            throw new LogException(ErrorCode.RecordListTooLarge, $"Batch of {size} bytes exceeds segment.bytes {config.SegmentBytes}.");
        }

        return span.Slice(position, size);
    }

    /// <summary>What checking one append found: its offsets and timestamps, and what to apply once it is written.</summary>
    private struct PreparedAppend()
    {
        public long FirstOffset;
        public long NextOffset;
        public long FirstTimestamp = -1;
        public long MaxTimestamp = -1;
        public long OffsetOfMaxTimestamp = -1;
        public int Records;
        public ProducerBatch? FirstProducerBatch;
        public List<ProducerBatch>? MoreProducerBatches;
        public List<int>? Markers;
        public bool IsDuplicate;
        public BatchMetadata Duplicate;
    }
}
