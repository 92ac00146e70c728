using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>
/// A serialized record for <see cref="Producer{TKey, TValue}.ProduceStaged"/>: its key (<see cref="KeyLength"/> bytes,
/// -1 for a null key) at <see cref="Offset"/> in <see cref="Bytes"/> and its value (<see cref="ValueLength"/> bytes, -1
/// for a null value) right after it, so a caller collecting many records copies them into one buffer of its own and
/// needs no object per record. <see cref="Partition"/> is -1 for the partitioner's choice; <see cref="Tag"/> is kept
/// as the record's <see cref="RecordSlot.Message"/> for its report.
/// </summary>
internal readonly record struct StagedRecord(
    string Topic,
    int Partition,
    byte[] Bytes,
    int Offset,
    int KeyLength,
    int ValueLength,
    IReadOnlyList<RecordHeader>? Headers,
    long Timestamp,
    IRunDeliveryHandler Handler,
    object? Tag)
{
    public bool KeyIsNull => KeyLength < 0;

    public bool ValueIsNull => ValueLength < 0;

    public ReadOnlySpan<byte> Key => KeyLength < 0 ? default : Bytes.AsSpan(Offset, KeyLength);

    public ReadOnlySpan<byte> Value => ValueLength < 0 ? default : Bytes.AsSpan(Offset + Math.Max(KeyLength, 0), ValueLength);
}
