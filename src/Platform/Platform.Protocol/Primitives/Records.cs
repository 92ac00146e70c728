namespace Platform.Protocol;

/// <summary>
/// The bytes of a <c>records</c> field: one or more RecordBatch v2 batches. Requests carry them as
/// slices of the received frame; fetch responses carry slices of segment files, copied into the
/// response buffer only when it is written.
/// </summary>
public abstract class Records
{
    public abstract int SizeInBytes { get; }

    public abstract void CopyTo(Span<byte> destination);
}

/// <summary>Records held in memory.</summary>
public sealed class MemoryRecords(ReadOnlyMemory<byte> data) : Records
{
    public static readonly MemoryRecords Empty = new(ReadOnlyMemory<byte>.Empty);

    public ReadOnlyMemory<byte> Data { get; } = data;

    public override int SizeInBytes => Data.Length;

    public override void CopyTo(Span<byte> destination) => Data.Span.CopyTo(destination);
}
