using Platform.Connectors.Files.IO;

namespace Platform.Connectors.Files.TailDir;

/// <summary>
/// A file being tailed: its open handle (which follows the file across renames and deletion), who it is
/// (inode and fingerprint), its read position and the acknowledged position. <see cref="Epoch"/> changes when
/// the file is found truncated or rewritten, so acknowledgements of lines from before are ignored.
/// </summary>
internal sealed class TailedFile(string id, string? inode, string path, string? group, LineReader reader, string fingerprint, int fingerprintLength)
{
    private volatile AckTracker _tracker = new(reader.Position);

    public string Id { get; } = id;

    public string? Inode { get; } = inode;

    public string Path { get; set; } = path;

    public string? Group { get; set; } = group;

    public LineReader Reader { get; } = reader;

    public string Fingerprint { get; private set; } = fingerprint;

    public int FingerprintLength { get; private set; } = fingerprintLength;

    public int Epoch { get; private set; }

    public AckTracker Tracker => _tracker;

    /// <summary>What the file was before it was last found truncated: a copy made just before is that content.</summary>
    public (string Fingerprint, int Length, long Position)? Former { get; private set; }

    /// <summary>Whether the last scan found it under a glob.</summary>
    public bool InGlobs { get; set; } = true;

    /// <summary>Scans in a row that found it outside the globs with nothing left to read.</summary>
    public int IdleScansOutside { get; set; }

    public IReadOnlyDictionary<string, object?> SourcePartition { get; } = new Dictionary<string, object?> { ["file"] = id };

    /// <summary>Whether everything written so far was read.</summary>
    public bool AtEnd => Reader.Position >= Reader.Stream.Length;

    /// <summary>
    /// Checks the file is still the one read so far: not shorter than the read position, same leading bytes.
    /// Starts over from the beginning when it is not; extends the fingerprint as a short file grows.
    /// </summary>
    /// <returns>Whether the file was found truncated or rewritten.</returns>
    public bool CheckReplaced(int fingerprintBytes)
    {
        var handle = Reader.Stream.SafeFileHandle;
        var replaced = Reader.Stream.Length < Reader.Position
            || FileIdentity.Fingerprint(handle, FingerprintLength, out var covered) != Fingerprint || covered < FingerprintLength;
        if (replaced)
        {
            Former = (Fingerprint, FingerprintLength, Reader.Position);
            Reader.Seek(0);
            Epoch++;
            _tracker = new AckTracker(0);
        }

        if (replaced || FingerprintLength < fingerprintBytes)
        {
            Fingerprint = FileIdentity.Fingerprint(handle, fingerprintBytes, out var length);
            FingerprintLength = length;
        }

        return replaced;
    }

    public TailPosition ToPosition() => new(Inode, Path, Tracker.Committed, Fingerprint, FingerprintLength);
}
