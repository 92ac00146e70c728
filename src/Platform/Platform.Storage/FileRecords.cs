using Platform.Protocol;

namespace Platform.Storage;

/// <summary>
/// A slice of a segment file handed to a fetch response. Nothing is read until <see cref="CopyTo"/>,
/// which does one positional read straight into the response buffer (or a range of it per piece sent). The segment's file stays open
/// for file.delete.delay.ms after the segment is removed, so a slice handed out stays readable.
/// </summary>
public sealed class FileRecords : Records
{
    private readonly ISegmentFile _file;

    internal FileRecords(ISegmentFile file, long position, int size, long firstBatchBaseOffset)
    {
        _file = file;
        Position = position;
        Size = size;
        FirstBatchBaseOffset = firstBatchBaseOffset;
    }

    /// <summary>Byte position of the slice in its segment file.</summary>
    public long Position { get; }

    public int Size { get; }

    /// <summary>Base offset of the first batch in the slice.</summary>
    public long FirstBatchBaseOffset { get; }

    public override int SizeInBytes => Size;

    public override void CopyTo(Span<byte> destination)
    {
        var slice = destination[..Size];
        var read = _file.Read(Position, slice);
        if (read != Size)
        {
            throw new StorageException($"Segment file ended after {read} of {Size} bytes at position {Position}.");
        }
    }

    /// <summary>One positional read of a range of the slice, so a large fetch is sent in pieces.</summary>
    public override void CopyTo(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, Size - offset);
        var read = _file.Read(Position + offset, destination);
        if (read != destination.Length)
        {
            throw new StorageException($"Segment file ended after {read} of {destination.Length} bytes at position {Position + offset}.");
        }
    }
}
