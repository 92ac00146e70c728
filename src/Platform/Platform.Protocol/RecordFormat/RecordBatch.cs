namespace Platform.Protocol.RecordFormat;

/// <summary>
/// A view over the bytes of one whole RecordBatch v2, reading header fields in place (see
/// <see cref="RecordBatchHeader"/>). It does not validate: use <see cref="RecordBatchValidator"/> on
/// untrusted input, and a <see cref="RecordBatchReader"/> to decode the records.
/// </summary>
public readonly struct RecordBatch
{
    public RecordBatch(ReadOnlyMemory<byte> memory)
    {
        if (memory.Length < RecordBatchHeader.Size)
        {
            throw new ArgumentException($"A batch has at least {RecordBatchHeader.Size} bytes, got {memory.Length}.", nameof(memory));
        }

        Memory = memory;
    }

    /// <summary>The batch's bytes, header included.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    public int SizeInBytes => Memory.Length;

    public long BaseOffset => RecordBatchHeader.BaseOffset(Memory.Span);

    public long LastOffset => RecordBatchHeader.LastOffset(Memory.Span);

    /// <summary>The offset after this batch: where the next batch starts.</summary>
    public long NextOffset => LastOffset + 1;

    public int PartitionLeaderEpoch => RecordBatchHeader.PartitionLeaderEpoch(Memory.Span);

    public byte Magic => RecordBatchHeader.Magic(Memory.Span);

    public uint Crc => RecordBatchHeader.Crc(Memory.Span);

    public short Attributes => RecordBatchHeader.Attributes(Memory.Span);

    public CompressionType Compression => RecordBatchHeader.Compression(Memory.Span);

    public TimestampType TimestampType => RecordBatchHeader.TimestampType(Memory.Span);

    public bool IsTransactional => RecordBatchHeader.IsTransactional(Memory.Span);

    public bool IsControl => RecordBatchHeader.IsControl(Memory.Span);

    /// <summary>Whether <see cref="BaseTimestamp"/> holds the compaction delete horizon.</summary>
    public bool HasDeleteHorizon => (Attributes & RecordBatchHeader.DeleteHorizonFlag) != 0;

    public int LastOffsetDelta => RecordBatchHeader.LastOffsetDelta(Memory.Span);

    public long BaseTimestamp => RecordBatchHeader.BaseTimestamp(Memory.Span);

    public long MaxTimestamp => RecordBatchHeader.MaxTimestamp(Memory.Span);

    public long ProducerId => RecordBatchHeader.ProducerId(Memory.Span);

    public short ProducerEpoch => RecordBatchHeader.ProducerEpoch(Memory.Span);

    public int BaseSequence => RecordBatchHeader.BaseSequence(Memory.Span);

    /// <summary>The sequence of the last record, wrapping past int.MaxValue as Kafka does; -1 without idempotence.</summary>
    public int LastSequence => SequenceAfter(BaseSequence, LastOffsetDelta);

    public int RecordsCount => RecordBatchHeader.RecordsCount(Memory.Span);

    public bool IsCrcValid() => RecordBatchHeader.IsCrcValid(Memory.Span);

    /// <summary><paramref name="sequence"/> + <paramref name="delta"/>, wrapping to 0 after int.MaxValue; -1 stays -1.</summary>
    public static int SequenceAfter(int sequence, int delta)
    {
        if (sequence < 0)
        {
            return sequence;
        }

        var next = (long)sequence + delta;
        return next > int.MaxValue ? (int)(next - int.MaxValue - 1) : (int)next;
    }
}
