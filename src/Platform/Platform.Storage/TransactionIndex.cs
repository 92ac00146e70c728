using System.Buffers.Binary;

namespace Platform.Storage;

/// <summary>
/// A segment's <c>.txnindex</c>: the aborted transactions whose ABORT marker is in the segment, oldest
/// first, in Kafka's 34-byte entries (int16 version 0, producer id, first offset, last offset, last
/// stable offset). It belongs to its <see cref="LogSegment"/> so it is renamed, flushed, cut and deleted
/// with it. As in Kafka the file exists only once a segment has an abort: most never do, and an empty
/// file per segment would cost an open handle each.
/// Appends come under the partition's lock; flushes from the flush thread; a lock orders the two.
/// </summary>
internal sealed class TransactionIndex : IDisposable
{
    public const int EntrySize = 34;

    private readonly IStorageFileSystem _fs;
    private readonly Lock _lock = new();
    private ISegmentFile? _file;
    private bool _unflushed;
    private bool _disposed;

    public TransactionIndex(IStorageFileSystem fs, string path)
    {
        _fs = fs;
        Path = path;
    }

    public string Path { get; private set; }

    public void Append(AbortedTransaction aborted)
    {
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt16BigEndian(entry, 0);
        BinaryPrimitives.WriteInt64BigEndian(entry[2..], aborted.ProducerId);
        BinaryPrimitives.WriteInt64BigEndian(entry[10..], aborted.FirstOffset);
        BinaryPrimitives.WriteInt64BigEndian(entry[18..], aborted.LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(entry[26..], aborted.LastStableOffset);
        lock (_lock)
        {
            var file = OpenFile(create: true)!;
            // A torn entry left by an earlier failed append would shift every later entry.
            if (file.Length % EntrySize != 0)
            {
                file.Truncate(file.Length - (file.Length % EntrySize));
            }

            file.Append(entry);
            _unflushed = true;
        }
    }

    /// <summary>Every whole entry of the file (none if there is no file).</summary>
    public List<AbortedTransaction> Read()
    {
        lock (_lock)
        {
            return OpenFile(create: false) is { } file ? ReadEntries(file) : [];
        }
    }

    /// <summary>
    /// Drops the entries whose marker is at or after <paramref name="offset"/> (the log was cut there) and
    /// any torn tail; returns how many whole entries went. Left in the file, such entries would come back
    /// as real aborts once the log grew past their offsets again, hiding committed records.
    /// </summary>
    public int TruncateTo(long offset)
    {
        lock (_lock)
        {
            if (OpenFile(create: false) is not { } file)
            {
                return 0;
            }

            var entries = ReadEntries(file);
            var keep = entries.FindIndex(e => e.LastOffset >= offset);
            keep = keep < 0 ? entries.Count : keep;
            var length = (long)keep * EntrySize;
            if (file.Length != length)
            {
                file.Truncate(length);
                _unflushed = true;
            }

            return entries.Count - keep;
        }
    }

    /// <summary>fsyncs what was written since the last flush (the segment's flush and roll call this).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_unflushed && _file is { } file)
            {
                file.Flush();
                _unflushed = false;
            }
        }
    }

    /// <summary>Starts empty: a stale file at this name (from a segment that once had this base offset) goes.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
            _unflushed = false;
            if (_fs.FileExists(Path))
            {
                _fs.DeleteFile(Path);
            }
        }
    }

    public void Rename(string newPath)
    {
        lock (_lock)
        {
            if (_fs.FileExists(Path))
            {
                _fs.RenameFile(Path, newPath);
            }

            Path = newPath;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
            _disposed = true;
        }
    }

    public void DeleteFile()
    {
        Dispose();
        lock (_lock)
        {
            if (_fs.FileExists(Path))
            {
                _fs.DeleteFile(Path);
            }
        }
    }

    private static List<AbortedTransaction> ReadEntries(ISegmentFile file)
    {
        var entries = new List<AbortedTransaction>();
        var bytes = new byte[file.Length - (file.Length % EntrySize)];
        var read = file.Read(0, bytes);
        for (var position = 0; position + EntrySize <= read; position += EntrySize)
        {
            var e = bytes.AsSpan(position);
            entries.Add(new AbortedTransaction(
                BinaryPrimitives.ReadInt64BigEndian(e[2..]),
                BinaryPrimitives.ReadInt64BigEndian(e[10..]),
                BinaryPrimitives.ReadInt64BigEndian(e[18..]),
                BinaryPrimitives.ReadInt64BigEndian(e[26..])));
        }

        return entries;
    }

    private ISegmentFile? OpenFile(bool create)
    {
        // A closed index never reopens: a late flush or replay must not recreate a deleted segment's file.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file is null && (create || _fs.FileExists(Path)))
        {
            _file = _fs.Open(Path, create: true);
        }

        return _file;
    }
}
