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

            // Before the write: the checkpoint must never be behind the log (a new epoch's first batch).
            AssignEpoch(leaderEpoch, append.FirstOffset);
            info = Commit(span, append, logAppendTime, now, config);
        }

        return Appended(info, config);
    }

    /// <summary>
    /// A follower's append of batches fetched from the leader: they keep the leader's offsets, epochs,
    /// timestamps and producer ids; the first must start at the log end and each follow the previous,
    /// and the producer state, transactions and epoch cache are updated as on the leader (unchecked: the
    /// leader checked them). A batch that does not fit throws a <see cref="LogException"/> and nothing is written.
    /// </summary>
    public LogAppendInfo AppendAsFollower(Memory<byte> batches)
    {
        var span = batches.Span;
        var config = _config;
        LogAppendInfo info;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            var append = new PreparedAppend { FirstOffset = _logEndOffset, NextOffset = _logEndOffset };
            var latestEpoch = _epochs.LatestEpoch;
            List<(int Epoch, long StartOffset)>? newEpochs = null;
            for (var position = 0; position < span.Length;)
            {
                var batch = NextBatch(span, position, config);
                if (RecordBatchHeader.BaseOffset(batch) != append.NextOffset || !RecordBatchHeader.IsCrcValid(batch))
                {
                    throw new LogException(ErrorCode.CorruptMessage, $"Replicated batch at offset {RecordBatchHeader.BaseOffset(batch)} does not follow {append.NextOffset} or fails its CRC.");
                }

                if (RecordBatchHeader.ProducerId(batch) >= 0 && RecordBatchHeader.IsControl(batch))
                {
                    (append.Markers ??= []).Add(position);
                }
                else if (RecordBatchHeader.ProducerId(batch) >= 0)
                {
                    var producerBatch = ProducerBatch.FromHeader(batch);
                    if (append.FirstProducerBatch is null)
                    {
                        append.FirstProducerBatch = producerBatch;
                    }
                    else
                    {
                        (append.MoreProducerBatches ??= []).Add(producerBatch);
                    }
                }

                if (position == 0)
                {
                    append.FirstTimestamp = RecordBatchHeader.MaxTimestamp(batch);
                }

                if (RecordBatchHeader.MaxTimestamp(batch) > append.MaxTimestamp)
                {
                    append.MaxTimestamp = RecordBatchHeader.MaxTimestamp(batch);
                    append.OffsetOfMaxTimestamp = RecordBatchHeader.LastOffset(batch);
                }

                if (RecordBatchHeader.PartitionLeaderEpoch(batch) > latestEpoch)
                {
                    latestEpoch = RecordBatchHeader.PartitionLeaderEpoch(batch);
                    (newEpochs ??= []).Add((latestEpoch, append.NextOffset));
                }

                append.Records += RecordBatchHeader.LastOffsetDelta(batch) + 1;
                append.NextOffset = RecordBatchHeader.LastOffset(batch) + 1;
                position += batch.Length;
            }

            if (span.Length == 0)
            {
                throw new LogException(ErrorCode.CorruptMessage, "Append of no batches.");
            }

            foreach (var (epoch, startOffset) in newEpochs ?? [])
            {
                AssignEpoch(epoch, startOffset);
            }

            info = Commit(span, append, -1, NowMs, config);
        }

        return Appended(info, config);
    }

    /// <summary>Writes checked batches and applies them; caller holds the lock.</summary>
    private LogAppendInfo Commit(ReadOnlySpan<byte> span, in PreparedAppend append, long logAppendTime, long now, LogConfig config)
    {
        Write(span, append.FirstTimestamp, append.NextOffset - 1, now, config);
        Apply(span, append);
        Volatile.Write(ref _logEndOffset, append.NextOffset);
        Interlocked.Add(ref _unflushedMessages, append.Records);
        return new LogAppendInfo(append.FirstOffset, append.NextOffset - 1, logAppendTime, append.MaxTimestamp, append.OffsetOfMaxTimestamp, append.Records, span.Length, _logStartOffset);
    }

    /// <summary>After the lock: the high watermark moves now (write.caching=true) or at the group commit's fsync, and flush.messages/flush.ms apply.</summary>
    private LogAppendInfo Appended(LogAppendInfo info, LogConfig config)
    {
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
            var segment = _segments.Active;
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
