using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// What checking one append found, before anything is written: its offsets, timestamps and record count,
/// and what to apply once it is written (the idempotent producers' batches, the positions of transaction
/// markers), or the original of a retried batch.
/// </summary>
internal struct PreparedAppend(long logEndOffset)
{
    public long FirstOffset = logEndOffset;
    public long NextOffset = logEndOffset;
    public long FirstTimestamp = -1;
    public long MaxTimestamp = -1;
    public long OffsetOfMaxTimestamp = -1;
    public int Records;
    public ProducerBatch? FirstProducerBatch;
    public List<ProducerBatch>? MoreProducerBatches;
    public List<int>? Markers;
    public bool IsDuplicate;
    public BatchMetadata Duplicate;

    /// <summary>
    /// A leader's append: checks every batch and rewrites its header (offsets from <paramref name="logEndOffset"/>,
    /// <paramref name="leaderEpoch"/>, LogAppendTime if <paramref name="logAppendTime"/> is set), checking idempotent
    /// batches and markers against the producer state without changing it. A retry of a batch already in the
    /// log comes back with <see cref="IsDuplicate"/> set. Caller holds the log's lock.
    /// </summary>
    public static PreparedAppend ForLeader(Span<byte> span, long logEndOffset, int leaderEpoch, long logAppendTime, LogConfig config, ProducerStateManager producers, TransactionState transactions)
    {
        var append = new PreparedAppend(logEndOffset);
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
                transactions.CheckMarker(batch);
                append.AddMarker(position);
            }
            else if (RecordBatchHeader.ProducerId(batch) >= 0 && append.CheckProducerBatch(batch, producers))
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

    /// <summary>
    /// A follower's append: each batch must follow the previous from <paramref name="logEndOffset"/> and pass its
    /// CRC; collects what to apply, and the leader epochs above <paramref name="latestEpoch"/> that start in them
    /// (<paramref name="newEpochs"/>). Caller holds the log's lock.
    /// </summary>
    public static PreparedAppend ForFollower(Span<byte> span, long logEndOffset, int latestEpoch, LogConfig config, out List<(int Epoch, long StartOffset)>? newEpochs)
    {
        var append = new PreparedAppend(logEndOffset);
        newEpochs = null;
        for (var position = 0; position < span.Length;)
        {
            var batch = NextBatch(span, position, config);
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

    /// <summary>
    /// The batch at <paramref name="position"/>, checked for a whole header, a size that fits what remains,
    /// max.message.bytes and segment.bytes; a <see cref="LogException"/> with Kafka's error otherwise.
    /// </summary>
    public static Span<byte> NextBatch(Span<byte> span, int position, LogConfig config)
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

    /// <summary>Counts a checked batch (already carrying its final offsets) found at <paramref name="position"/> of the append.</summary>
    public void Add(ReadOnlySpan<byte> batch, int position)
    {
        var timestamp = RecordBatchHeader.MaxTimestamp(batch);
        var last = RecordBatchHeader.LastOffset(batch);
        if (position == 0)
        {
            FirstTimestamp = timestamp;
        }

        if (timestamp > MaxTimestamp)
        {
            MaxTimestamp = timestamp;
            OffsetOfMaxTimestamp = last;
        }

        Records += (int)(last - NextOffset + 1);
        NextOffset = last + 1;
    }

    /// <summary>An idempotent batch to apply to the producer state once written.</summary>
    public void AddProducerBatch(in ProducerBatch batch)
    {
        if (FirstProducerBatch is null)
        {
            FirstProducerBatch = batch;
        }
        else
        {
            (MoreProducerBatches ??= []).Add(batch);
        }
    }

    /// <summary>A transaction marker at <paramref name="position"/>, applied to the transactions once written.</summary>
    public void AddMarker(int position) => (Markers ??= []).Add(position);

    /// <summary>The previous idempotent batch of <paramref name="producerId"/> in this append, if any.</summary>
    public readonly ProducerBatch? PendingFor(long producerId)
    {
        for (var i = (MoreProducerBatches?.Count ?? 0) - 1; i >= 0; i--)
        {
            if (MoreProducerBatches![i].ProducerId == producerId)
            {
                return MoreProducerBatches[i];
            }
        }

        return FirstProducerBatch is { } batch && batch.ProducerId == producerId ? batch : null;
    }

    /// <summary>
    /// Once written: applies the idempotent batches to <paramref name="producers"/> and the markers (in
    /// <paramref name="span"/>) to <paramref name="transactions"/>, indexing aborted transactions in
    /// <paramref name="segments"/>. An I/O error of that index is thrown.
    /// </summary>
    public readonly void ApplyTo(ReadOnlySpan<byte> span, ProducerStateManager producers, TransactionState transactions, SegmentList segments)
    {
        // In log order: a follower's fetch may hold a producer's transaction, its marker and its next transaction
        // one after another, and the marker must close the one before it (an ABORT indexes from that one's first
        // offset), not the next one, or read_committed would hide committed records and show aborted ones.
        var marker = 0;
        if (FirstProducerBatch is { } first)
        {
            marker = ApplyMarkersBefore(span, marker, first.FirstOffset, transactions, segments);
            producers.Apply(first);
            foreach (var more in MoreProducerBatches ?? [])
            {
                marker = ApplyMarkersBefore(span, marker, more.FirstOffset, transactions, segments);
                producers.Apply(more);
            }
        }

        ApplyMarkersBefore(span, marker, long.MaxValue, transactions, segments);
        producers.MapEndOffset = NextOffset;
        transactions.Refresh();
    }

    /// <summary>Applies the markers from index <paramref name="next"/> on that lie before <paramref name="offset"/>; returns the index of the first one left.</summary>
    private readonly int ApplyMarkersBefore(ReadOnlySpan<byte> span, int next, long offset, TransactionState transactions, SegmentList segments)
    {
        for (; Markers is not null && next < Markers.Count && RecordBatchHeader.BaseOffset(span[Markers[next]..]) < offset; next++)
        {
            transactions.ApplyMarker(span[Markers[next]..], segments);
        }

        return next;
    }

    /// <summary>Checks an idempotent batch (after the earlier ones of this append); true if it is a retry of one already in the log.</summary>
    private bool CheckProducerBatch(ReadOnlySpan<byte> batch, ProducerStateManager producers)
    {
        var producerBatch = ProducerBatch.FromHeader(batch);
        var error = producers.Check(producerBatch, PendingFor(producerBatch.ProducerId), out IsDuplicate, out Duplicate, out var problem);
        if (error != ErrorCode.None)
        {
            throw new LogException(error, problem ?? error.ToString());
        }

        if (!IsDuplicate)
        {
            AddProducerBatch(producerBatch);
        }

        return IsDuplicate;
    }
}
