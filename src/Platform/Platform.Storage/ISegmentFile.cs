namespace Platform.Storage;

/// <summary>
/// One open file of a log: positional reads from any thread, appends from one writer at a time.
/// The seam that lets tests inject torn writes and I/O errors.
/// </summary>
public interface ISegmentFile : IDisposable
{
    /// <summary>Bytes in the file as this handle knows them (appended bytes count once the append returns).</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="position"/>; returns the count read (short only at end of file).</summary>
    int Read(long position, Span<byte> destination);

    /// <summary>Writes <paramref name="data"/> at <see cref="Length"/>. On failure the length is unchanged but a prefix may be on disk.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Forces written data to stable storage (fsync).</summary>
    void Flush();

    /// <summary>Cuts the file to <paramref name="length"/> bytes.</summary>
    void Truncate(long length);

    /// <summary>
    /// The file takes no more appends (its segment rolled): what appending held is released, and the file on
    /// disk is exactly <see cref="Length"/> bytes, durably if anything had to be cut.
    /// </summary>
    void Seal();
}
