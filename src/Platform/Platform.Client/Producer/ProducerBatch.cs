using System.Buffers;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>
/// One partition's batch: records encoded as they arrive into a <see cref="RecordBatchBuilder"/>,
/// their delivery slots, and, once drained, the built (compressed) bytes that every attempt sends,
/// exposed as <see cref="Records"/> that the request sends from where they are. Pooled:
/// builders, slot arrays and built buffers are reused batch after batch.
/// </summary>
/// <remarks>
/// An uncompressed batch is built in place, in its builder's buffer (no copy, no second buffer: half the memory
/// per batch); only a compressed one has a buffer of its own for the compressed bytes.
/// </remarks>
internal sealed class ProducerBatch : Records, IContiguousRecords
{
    private readonly int _capacity;
    private KafkaWriter? _compressed;
    private ReadOnlyMemory<byte> _built;
    private RecordSlot[] _slots;

    public ProducerBatch(int capacity, CompressionType compression)
    {
        _capacity = capacity;
        Builder = new RecordBatchBuilder(compression, capacity);
        _slots = ArrayPool<RecordSlot>.Shared.Rent(256);
    }

    public RecordBatchBuilder Builder { get; }

    public PartitionQueue Queue { get; private set; } = null!;

    public int Count => Builder.Count;

    public ReadOnlySpan<RecordSlot> Slots => _slots.AsSpan(0, Builder.Count);

    /// <summary>Creation order within the partition; retries are put back in this order.</summary>
    public long Sequence { get; private set; }

    /// <summary>
    /// Where this batch's first record was in the batch created as <see cref="Sequence"/>: 0, or more
    /// for the later pieces of a batch split after MESSAGE_TOO_LARGE, which share its creation order.
    /// </summary>
    public int SplitOffset { get; private set; }

    public long CreatedTicks { get; private set; }

    public long DeadlineTicks { get; private set; }

    public long RetryAtTicks { get; set; }

    public int Attempts { get; set; }

    /// <summary>The share of <c>buffer.memory</c> this batch holds and gives back when it is done.</summary>
    public int ReservedBytes { get; set; }

    public int SizeLimit { get; private set; }

    /// <summary>A record did not fit: the batch is ready whatever <c>linger.ms</c> says.</summary>
    public bool IsFull { get; private set; }

    public bool IsBuilt { get; private set; }

    /// <summary>Idempotence: the first record's sequence number, or -1 until first drained.</summary>
    public int BaseSequence { get; set; } = -1;

    public override int SizeInBytes => _built.Length;

    public void Start(PartitionQueue queue, long sequence, long nowTicks, long deliveryTimeoutMs, int sizeLimit, int reservedBytes)
    {
        Queue = queue;
        Sequence = sequence;
        SplitOffset = 0;
        CreatedTicks = nowTicks;
        DeadlineTicks = nowTicks + deliveryTimeoutMs;
        SizeLimit = sizeLimit;
        ReservedBytes = reservedBytes;
    }

    /// <summary>
    /// Starts a piece of <paramref name="parent"/>, which the broker found too large: same partition,
    /// creation order and deadline, its records from <paramref name="splitOffset"/> on (appended with
    /// <see cref="AppendSplit"/>), and their sequence numbers when the parent had some.
    /// </summary>
    public void StartSplit(ProducerBatch parent, int splitOffset, int sizeLimit)
    {
        Queue = parent.Queue;
        Sequence = parent.Sequence;
        SplitOffset = parent.SplitOffset + splitOffset;
        CreatedTicks = parent.CreatedTicks;
        DeadlineTicks = parent.DeadlineTicks;
        SizeLimit = sizeLimit;
        ReservedBytes = 0;
        BaseSequence = parent.BaseSequence < 0 ? -1 : parent.BaseSequence + splitOffset;
    }

    /// <summary>Whether a record of <paramref name="estimatedSize"/> bytes fits within <see cref="SizeLimit"/> (the first always does).</summary>
    public bool HasRoomFor(int estimatedSize)
        => Builder.Count == 0 || RecordBatchHeader.Size + Builder.RecordsSizeInBytes + estimatedSize <= SizeLimit;

    /// <summary>Marks the batch full when a record of <paramref name="estimatedSize"/> bytes would not fit (one that went elsewhere).</summary>
    public void CloseIfNoRoomFor(int estimatedSize) => IsFull |= !HasRoomFor(estimatedSize);

    /// <summary>Appends a record of the batch being split, with its delivery slot.</summary>
    public void AppendSplit(in Record record, in RecordSlot slot)
    {
        var count = Builder.Count;
        if (count == _slots.Length)
        {
            GrowSlots(count);
        }

        Builder.AppendAtNextOffset(record);
        _slots[count] = slot;
    }

    /// <summary>The built bytes, as sent (from here, not copied into the request) and as a split reads them back.</summary>
    public ReadOnlyMemory<byte> Memory => _built;

    /// <summary>Appends a record when it fits (the first one always does); false marks the batch full.</summary>
    public bool TryAppend(in SerializedRecord record)
    {
        var count = Builder.Count;
        if (IsFull || IsBuilt || (count > 0 && RecordBatchHeader.Size + Builder.RecordsSizeInBytes + record.EstimatedSize > SizeLimit))
        {
            IsFull = true;
            return false;
        }

        if (count == _slots.Length)
        {
            GrowSlots(count);
        }

        Builder.Append(record.Timestamp, record.Key, record.KeyIsNull, record.Value, record.ValueIsNull, record.Headers);
        ref var slot = ref _slots[count];
        slot.Handler = record.Handler;
        slot.Message = record.Message;
        slot.Timestamp = record.Timestamp;
        return true;
    }

    /// <summary>
    /// The keys and values of records <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1,
    /// read back from a copy of the batch built for the purpose (built or not, sent or not, the batch is left as it is).
    /// </summary>
    public List<(byte[]? Key, byte[]? Value)> ReadBack(int first, int count)
    {
        var result = new List<(byte[]? Key, byte[]? Value)>(count);
        using var reader = new RecordBatchReader();
        reader.Load(Builder.BuildToArray(), verifyCrc: false);
        var index = 0;
        foreach (var record in reader)
        {
            if (index >= first + count)
            {
                break;
            }

            if (index >= first)
            {
                result.Add((record.Key?.ToArray(), record.Value?.ToArray()));
            }

            index++;
        }

        return result;
    }

    /// <summary>Doubles the full slot array (its callers test for that inline: this runs per record).</summary>
    private void GrowSlots(int count)
    {
        var larger = ArrayPool<RecordSlot>.Shared.Rent(count * 2);
        _slots.AsSpan(0, count).CopyTo(larger);
        ArrayPool<RecordSlot>.Shared.Return(_slots, clearArray: true);
        _slots = larger;
    }

    /// <summary>Taken off its queue by the sender: no record may join it any more, even when it is put back for a retry.</summary>
    public void MarkDrained() => IsFull = true;

    /// <summary>Builds (and compresses) the batch once; retries resend the same bytes.</summary>
    public void Build(long producerId, short producerEpoch, bool transactional = false)
    {
        if (IsBuilt)
        {
            return;
        }

        Builder.ProducerId = producerId;
        Builder.ProducerEpoch = producerEpoch;
        Builder.BaseSequence = BaseSequence;
        Builder.IsTransactional = transactional;
        if (Builder.Compression == CompressionType.None)
        {
            _built = Builder.BuildInPlace();
        }
        else
        {
            _compressed ??= new KafkaWriter(_capacity);
            _compressed.Reset();
            Builder.Build(_compressed);
            _built = _compressed.WrittenMemory;
        }

        IsBuilt = true;
    }

    /// <summary>Forgets the built bytes, e.g. after an epoch bump changed the producer epoch and sequences.</summary>
    public void Unbuild()
    {
        IsBuilt = false;
        BaseSequence = -1;
    }

    public override void CopyTo(Span<byte> destination) => _built.Span.CopyTo(destination);

    /// <summary>Clears the batch for reuse from the pool.</summary>
    public void Reset()
    {
        _slots.AsSpan(0, Builder.Count).Clear();
        Builder.Reset();
        Builder.ProducerId = -1;
        Builder.ProducerEpoch = -1;
        Builder.BaseSequence = -1;
        Builder.IsTransactional = false;
        _built = default;
        Queue = null!;
        SplitOffset = 0;
        IsFull = false;
        IsBuilt = false;
        BaseSequence = -1;
        Attempts = 0;
        RetryAtTicks = 0;
    }

    public override string ToString() => $"{Queue.Topic}-{Queue.Partition} ({Count} records)";
}
