using System.Buffers;

namespace Platform.Protocol;

/// <summary>
/// The bytes of a <c>records</c> field: one or more RecordBatch v2 batches. Requests carry them as
/// slices of the received frame; fetch responses carry slices of segment files, copied into the
/// response buffer only when it is written, or piece by piece straight to the socket when the
/// writer defers them (<see cref="KafkaWriter.DeferRecordsFrom"/>).
/// </summary>
public abstract class Records
{
    public abstract int SizeInBytes { get; }

    public abstract void CopyTo(Span<byte> destination);

    /// <summary>
    /// Copies <c>destination.Length</c> bytes starting at <paramref name="offset"/>, so a large slice
    /// can be sent through a small buffer. This fallback copies everything once; sources that can
    /// read a range directly override it.
    /// </summary>
    public virtual void CopyTo(int offset, Span<byte> destination)
    {
        if (offset < 0 || destination.Length > SizeInBytes - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range {offset}+{destination.Length} is outside the {SizeInBytes} bytes of these records.");
        }

        var whole = ArrayPool<byte>.Shared.Rent(SizeInBytes);
        try
        {
            CopyTo(whole.AsSpan(0, SizeInBytes));
            whole.AsSpan(offset, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(whole);
        }
    }
}

/// <summary>Records held in memory.</summary>
public sealed class MemoryRecords(ReadOnlyMemory<byte> data) : Records
{
    public static readonly MemoryRecords Empty = new(ReadOnlyMemory<byte>.Empty);

    public ReadOnlyMemory<byte> Data { get; } = data;

    public override int SizeInBytes => Data.Length;

    public override void CopyTo(Span<byte> destination) => Data.Span.CopyTo(destination);

    public override void CopyTo(int offset, Span<byte> destination) => Data.Span.Slice(offset, destination.Length).CopyTo(destination);
}
