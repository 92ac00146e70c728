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
}
