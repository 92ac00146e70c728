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
            var append = CheckReplicated(span, config, out var newEpochs);
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
        _flusher.Appended(append.Records);
        return new LogAppendInfo(append.FirstOffset, append.NextOffset - 1, logAppendTime, append.MaxTimestamp, append.OffsetOfMaxTimestamp, append.Records, span.Length, _logStartOffset);
    }

    /// <summary>After the lock: the high watermark moves now (write.caching=true) or at the group commit's fsync, and flush.messages/flush.ms apply.</summary>
    private LogAppendInfo Appended(LogAppendInfo info, LogConfig config)
    {
        if (config.WriteCaching)
        {
            _highWatermark.Advance(info.LastOffset + 1, LogEndOffset);
        }
        else
        {
            _groupCommit.Appended(info.Bytes);
        }

        if (_flusher.UnflushedMessages >= config.FlushMessages || _flusher.FlushDue(config))
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
        var append = new PreparedAppend(_logEndOffset);
        var position = 0;
        while (position < span.Length)
        {
            var batch = PreparedAppend.NextBatch(span, position, config);
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
                append.AddMarker(position);
            }
            else if (RecordBatchHeader.ProducerId(batch) >= 0 && CheckProducerBatch(batch, ref append))
            {
                // A retry answers with the original's offsets, which only works for a batch appended alone.
                return position == 0 && batch.Length == span.Length
                    ? append
                    : throw new LogException(ErrorCode.InvalidRecord, "A retried idempotent batch must be appended alone, not with other batches.");
            }

            append.Add(batch, position);
            position += batch.Length;
        }

        return position > 0 ? append : throw new LogException(ErrorCode.CorruptMessage, "Append of no batches.");
    }

    /// <summary>Checks an idempotent batch (after the earlier ones of the same append); true if it is a retry of one already in the log.</summary>
    private bool CheckProducerBatch(ReadOnlySpan<byte> batch, ref PreparedAppend append)
    {
        var producerBatch = ProducerBatch.FromHeader(batch);
        var error = _producerState.Check(producerBatch, append.PendingFor(producerBatch.ProducerId), out append.IsDuplicate, out append.Duplicate, out var problem);
        if (error != ErrorCode.None)
        {
            throw new LogException(error, problem ?? error.ToString());
        }

        if (!append.IsDuplicate)
        {
            append.AddProducerBatch(producerBatch);
        }

        return append.IsDuplicate;
    }

    /// <summary>
    /// Checks a follower's batches: each must follow the previous from the log end and pass its CRC; collects
    /// what to apply, and the leader epochs that start in them (<paramref name="newEpochs"/>). Caller holds the lock.
    /// </summary>
    private PreparedAppend CheckReplicated(Span<byte> span, LogConfig config, out List<(int Epoch, long StartOffset)>? newEpochs)
    {
        var append = new PreparedAppend(_logEndOffset);
        var latestEpoch = _epochs.LatestEpoch;
        newEpochs = null;
        for (var position = 0; position < span.Length;)
        {
            var batch = PreparedAppend.NextBatch(span, position, config);
            if (RecordBatchHeader.BaseOffset(batch) != append.NextOffset || !RecordBatchHeader.IsCrcValid(batch))
            {
                throw new LogException(ErrorCode.CorruptMessage, $"Replicated batch at offset {RecordBatchHeader.BaseOffset(batch)} does not follow {append.NextOffset} or fails its CRC.");
            }

            if (RecordBatchHeader.ProducerId(batch) >= 0 && RecordBatchHeader.IsControl(batch))
            {
                append.AddMarker(position);
            }
            else if (RecordBatchHeader.ProducerId(batch) >= 0)
            {
                append.AddProducerBatch(ProducerBatch.FromHeader(batch));
            }

            if (RecordBatchHeader.PartitionLeaderEpoch(batch) > latestEpoch)
            {
                latestEpoch = RecordBatchHeader.PartitionLeaderEpoch(batch);
                (newEpochs ??= []).Add((latestEpoch, append.NextOffset));
            }

            append.Add(batch, position);
            position += batch.Length;
        }

        return span.Length > 0 ? append : throw new LogException(ErrorCode.CorruptMessage, "Append of no batches.");
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
        // In log order: a follower's fetch may hold a producer's transaction, its marker and its next transaction
        // one after another, and the marker must close the one before it (an ABORT indexes from that one's first
        // offset), not the next one, or read_committed would hide committed records and show aborted ones.
        var marker = 0;
        if (append.FirstProducerBatch is { } first)
        {
            marker = ApplyMarkersBefore(span, append.Markers, marker, first.FirstOffset);
            _producerState.Apply(first);
            foreach (var more in append.MoreProducerBatches ?? [])
            {
                marker = ApplyMarkersBefore(span, append.Markers, marker, more.FirstOffset);
                _producerState.Apply(more);
            }
        }

        ApplyMarkersBefore(span, append.Markers, marker, long.MaxValue);
        _producerState.MapEndOffset = append.NextOffset;
        _transactions.Refresh();
    }

    /// <summary>Applies the markers from index <paramref name="next"/> on that lie before <paramref name="offset"/>; returns the index of the first one left.</summary>
    private int ApplyMarkersBefore(ReadOnlySpan<byte> span, List<int>? markers, int next, long offset)
    {
        for (; markers is not null && next < markers.Count && RecordBatchHeader.BaseOffset(span[markers[next]..]) < offset; next++)
        {
            ApplyMarker(span[markers[next]..]);
        }

        return next;
    }
}
