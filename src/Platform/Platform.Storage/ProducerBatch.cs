using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>The producer fields of one batch header, with the offsets the log gave it.</summary>
internal readonly record struct ProducerBatch(
    long ProducerId,
    short ProducerEpoch,
    int FirstSequence,
    int LastSequence,
    long FirstOffset,
    long LastOffset,
    long Timestamp,
    bool IsTransactional)
{
    /// <summary>Reads a batch header whose offsets are final.</summary>
    public static ProducerBatch FromHeader(ReadOnlySpan<byte> batch)
    {
        var baseSequence = RecordBatchHeader.BaseSequence(batch);
        return new ProducerBatch(
            RecordBatchHeader.ProducerId(batch),
            RecordBatchHeader.ProducerEpoch(batch),
            baseSequence,
            ProducerSequence.Increment(baseSequence, RecordBatchHeader.LastOffsetDelta(batch)),
            RecordBatchHeader.BaseOffset(batch),
            RecordBatchHeader.LastOffset(batch),
            RecordBatchHeader.MaxTimestamp(batch),
            RecordBatchHeader.IsTransactional(batch));
    }

    public BatchMetadata Metadata => new(FirstSequence, LastSequence, FirstOffset, LastOffset, Timestamp);
}
