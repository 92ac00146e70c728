using System.Buffers;
using System.Buffers.Binary;

namespace Platform.Storage;

/// <summary>
/// A sparse, sorted index of a segment (offset index or time index), kept as an in-memory array of
/// entries and written to its file in batches (at flush, roll and close) rather than per entry.
/// Plain files instead of Kafka's preallocated memory maps: every write goes through the
/// <see cref="ISegmentFile"/> seam (fault tests reach it), there is no remap on resize or
/// undeletable mapping on Windows, and appends cost no syscall. Entries past the recovery point are
/// rebuilt from the log anyway, exactly as with Kafka's lazily flushed maps.
/// Inactive segments load their index on first lookup (Kafka's LazyIndex), so opening a log with
/// many segments reads no index files. Only the active segment's indexes keep a file handle open;
/// the others open their file for a load or a write and close it again, so a broker with many
/// segments does not hold two descriptors per segment.
/// One writer (the partition's append lock) and many lock-free readers: the entry array is published
/// before the count, so a reader that sees a count also sees its entries.
/// </summary>
internal abstract class SparseIndex : IDisposable
{
    private readonly IStorageFileSystem _fs;
    private readonly object _loadLock = new();
    private Entry[] _entries = [];
    private int _count;
    private int _persisted;
    private ISegmentFile? _file;
    private volatile bool _loaded;
    private bool _disposed;
    private bool _keepOpen;
    private readonly Func<long>? _logSize;

    protected SparseIndex(IStorageFileSystem fs, string path, long baseOffset, int maxIndexBytes, int entrySize, Func<long>? logSize)
    {
        _logSize = logSize;
        _fs = fs;
        Path = path;
        BaseOffset = baseOffset;
        EntrySize = entrySize;
        MaxEntries = Math.Max(1, maxIndexBytes / entrySize);
    }

    public string Path { get; private set; }

    public long BaseOffset { get; }

    public int MaxEntries { get; }

    public int Count
    {
        get
        {
            EnsureLoaded();
            return Volatile.Read(ref _count);
        }
    }

    public bool IsFull => Count >= MaxEntries;

    protected int EntrySize { get; }

    /// <summary>Starts empty (a new segment or a rebuild); the file is cut to nothing.</summary>
    public void Reset()
    {
        lock (_loadLock)
        {
            // A new or rebuilt index is the active segment's (or becomes one): it keeps its handle until released.
            _keepOpen = true;
            OpenFile().Truncate(0);
            Volatile.Write(ref _count, 0);
            _persisted = 0;
            _loaded = true;
        }
    }

    /// <summary>The segment stopped taking appends: the handle closes, and later loads and writes open the file only for themselves.</summary>
    public void ReleaseFile()
    {
        lock (_loadLock)
        {
            _keepOpen = false;
            CloseUnlessKept();
        }
    }

    /// <summary>Loads the file; false if its entries do not pass <see cref="IsSane"/> and it needs a rebuild.</summary>
    public bool LoadAndCheck(long logSize)
    {
        EnsureLoaded();
        return IsSane(logSize);
    }

    public Entry EntryAt(int index) => Volatile.Read(ref _entries)[index];

    public Entry? LastEntry
    {
        get
        {
            EnsureLoaded();
            var count = Volatile.Read(ref _count);
            return count == 0 ? null : Volatile.Read(ref _entries)[count - 1];
        }
    }

    /// <summary>The last entry whose key is at most <paramref name="key"/>, or null if none is.</summary>
    public Entry? FloorEntry(long key)
    {
        EnsureLoaded();
        var count = Volatile.Read(ref _count);
        var entries = Volatile.Read(ref _entries);
        int lo = 0, hi = count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid].Key <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? null : entries[found];
    }

    protected void AppendEntry(long key, int value)
    {
        var count = _count;
        if (count >= MaxEntries)
        {
            // Kafka's "attempt to append to a full index": the segment should have rolled first.
            throw new InvalidOperationException($"Index {Path} is full ({MaxEntries} entries).");
        }

        var entries = _entries;
        if (count == entries.Length)
        {
            var grown = new Entry[Math.Min(Math.Max(16, entries.Length * 2), Math.Max(MaxEntries, 16))];
            entries.AsSpan(0, count).CopyTo(grown);
            Volatile.Write(ref _entries, grown);
            entries = grown;
        }

        entries[count] = new Entry(key, value);
        Volatile.Write(ref _count, count + 1);
    }

    /// <summary>Keeps only the first <paramref name="count"/> entries (an append undone).</summary>
    public void TruncateToEntries(int count)
    {
        EnsureLoaded();
        lock (_loadLock)
        {
            if (count >= _count)
            {
                return;
            }

            Volatile.Write(ref _count, count);
            if (_persisted > count)
            {
                _persisted = count;
                OpenFile().Truncate((long)count * EntrySize);
            }
        }
    }

    /// <summary>Drops trailing entries matching <paramref name="drop"/> (log truncation).</summary>
    protected void TruncateWhere(Func<Entry, bool> drop)
    {
        EnsureLoaded();
        lock (_loadLock)
        {
            TruncateWhereLocked(drop);
        }
    }

    private void TruncateWhereLocked(Func<Entry, bool> drop)
    {
        var count = _count;
        while (count > 0 && drop(_entries[count - 1]))
        {
            count--;
        }

        Volatile.Write(ref _count, count);
        if (_persisted > count)
        {
            _persisted = count;
            try
            {
                OpenFile().Truncate((long)count * EntrySize);
            }
            finally
            {
                CloseUnlessKept();
            }
        }
    }

    /// <summary>Writes entries added since the last call to the file (one write).</summary>
    public void Persist(bool fsync)
    {
        if (!_loaded)
        {
            return;
        }

        lock (_loadLock)
        {
            PersistLocked(fsync);
        }
    }

    private void PersistLocked(bool fsync)
    {
        var count = Volatile.Read(ref _count);
        if (count == _persisted && !fsync)
        {
            return;
        }

        try
        {
            PersistTo(OpenFile(), count, fsync);
        }
        finally
        {
            CloseUnlessKept();
        }
    }

    private void PersistTo(ISegmentFile file, int count, bool fsync)
    {
        var entries = Volatile.Read(ref _entries);
        if (count > _persisted)
        {
            var bytes = (count - _persisted) * EntrySize;
            var buffer = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                for (var i = _persisted; i < count; i++)
                {
                    Write(buffer.AsSpan((i - _persisted) * EntrySize, EntrySize), entries[i]);
                }

                if (file.Length != (long)_persisted * EntrySize)
                {
                    file.Truncate((long)_persisted * EntrySize);
                }

                file.Append(buffer.AsSpan(0, bytes));
                _persisted = count;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (fsync)
        {
            file.Flush();
        }
    }

    public void Rename(string newPath)
    {
        if (_fs.FileExists(Path))
        {
            _fs.RenameFile(Path, newPath);
        }

        Path = newPath;
    }

    /// <summary>Closes the file; the entries stay usable.</summary>
    public void Dispose()
    {
        lock (_loadLock)
        {
            _file?.Dispose();
            _file = null;
            _disposed = true;
        }
    }

    public void DeleteFile()
    {
        lock (_loadLock)
        {
            _file?.Dispose();
            _file = null;
            _disposed = true;
        }

        if (_fs.FileExists(Path))
        {
            _fs.DeleteFile(Path);
        }
    }

    protected abstract void Write(Span<byte> destination, Entry entry);

    protected abstract Entry Read(ReadOnlySpan<byte> source);

    /// <summary>Entry keys strictly increasing and values inside the segment.</summary>
    protected abstract bool IsSane(long logSize);

    private ISegmentFile OpenFile()
    {
        // A closed index never reopens: a late flush must not recreate the files of a deleted segment.
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _file ??= _fs.Open(Path, create: true);
    }

    private void CloseUnlessKept()
    {
        if (!_keepOpen)
        {
            _file?.Dispose();
            _file = null;
        }
    }

    private void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }

        lock (_loadLock)
        {
            if (_loaded)
            {
                return;
            }

            var file = OpenFile();
            try
            {
                var count = (int)Math.Min(file.Length / EntrySize, MaxEntries);
                var bytes = new byte[count * EntrySize];
                count = file.Read(0, bytes) / EntrySize;
                var entries = new Entry[Math.Max(count, 16)];
                for (var i = 0; i < count; i++)
                {
                    entries[i] = Read(bytes.AsSpan(i * EntrySize, EntrySize));
                }

                _entries = entries;
                _persisted = file.Length == (long)count * EntrySize ? count : 0;
                Volatile.Write(ref _count, count);
                _loaded = true;
                if (_logSize is { } logSize && !IsSane(logSize()))
                {
                    // Loaded lazily, after start-up trusted the file (its segment was below the recovery point):
                    // a bad entry would send reads to a wrong position, while no entries only make them scan.
                    Volatile.Write(ref _count, 0);
                    _persisted = 0;
                }
            }
            finally
            {
                CloseUnlessKept();
            }
        }
    }

    internal readonly record struct Entry(long Key, int Value);
}

/// <summary>Offset index: relative offset (int32) -> file position (int32) of the batch holding it.</summary>
internal sealed class OffsetIndex(IStorageFileSystem fs, string path, long baseOffset, int maxIndexBytes, Func<long>? logSize = null)
    : SparseIndex(fs, path, baseOffset, maxIndexBytes, 8, logSize)
{
    public void Append(long offset, int position) => AppendEntry(offset - BaseOffset, position);

    /// <summary>Position to start scanning for <paramref name="offset"/> (0 when no entry is at or below it).</summary>
    public int Lookup(long offset) => FloorEntry(offset - BaseOffset)?.Value ?? 0;

    public long LastOffset => LastEntry is { } e ? BaseOffset + e.Key : BaseOffset;

    public void TruncateToPosition(int position) => TruncateWhere(e => e.Value >= position);

    protected override void Write(Span<byte> destination, Entry entry)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, (int)entry.Key);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], entry.Value);
    }

    protected override Entry Read(ReadOnlySpan<byte> source)
        => new(BinaryPrimitives.ReadInt32BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[4..]));

    protected override bool IsSane(long logSize)
    {
        for (var i = 0; i < Count; i++)
        {
            var e = EntryAt(i);
            if (e.Key < 0 || e.Value < 0 || e.Value >= logSize || (i > 0 && (e.Key <= EntryAt(i - 1).Key || e.Value <= EntryAt(i - 1).Value)))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Time index: largest timestamp so far (int64) -> relative offset (int32) where it was reached.</summary>
internal sealed class TimeIndex(IStorageFileSystem fs, string path, long baseOffset, int maxIndexBytes, Func<long>? logSize = null)
    : SparseIndex(fs, path, baseOffset, maxIndexBytes, 12, logSize)
{
    /// <summary>Adds an entry only when the timestamp moved forward.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        if (LastEntry is not { } last || timestamp > last.Key)
        {
            AppendEntry(timestamp, (int)(offset - BaseOffset));
        }
    }

    /// <summary>The offset to start scanning for the first record with a timestamp at or after <paramref name="timestamp"/>.</summary>
    public long Lookup(long timestamp) => FloorEntry(timestamp) is { } e ? BaseOffset + e.Value : BaseOffset;

    public void TruncateToOffset(long offset) => TruncateWhere(e => BaseOffset + e.Value >= offset);

    protected override void Write(Span<byte> destination, Entry entry)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, entry.Key);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], entry.Value);
    }

    protected override Entry Read(ReadOnlySpan<byte> source)
        => new(BinaryPrimitives.ReadInt64BigEndian(source), BinaryPrimitives.ReadInt32BigEndian(source[8..]));

    protected override bool IsSane(long logSize)
    {
        for (var i = 0; i < Count; i++)
        {
            var e = EntryAt(i);
            if (e.Value < 0 || (i > 0 && (e.Key < EntryAt(i - 1).Key || e.Value < EntryAt(i - 1).Value)))
            {
                return false;
            }
        }

        return true;
    }
}
