using System.Collections.Concurrent;

namespace Platform.Storage.Testing;

/// <summary>
/// The real file system with switches for failures: a torn append (a prefix reaches the disk, then the
/// write fails), disk full, failing truncates and fsyncs, and a crash (every later call fails, as if
/// the process died — only what already reached the files survives), and a power loss (a crash that also
/// drops, file by file, everything written since that file's last successful fsync, like the page cache,
/// and every file or directory created since its parent directory's last fsync).
/// </summary>
public sealed class FaultInjectingFileSystem : IStorageFileSystem
{
    private readonly PhysicalFileSystem _inner = PhysicalFileSystem.Instance;
    private readonly List<ISegmentFile> _open = [];
    private readonly ConcurrentDictionary<string, int> _flushes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DurableContent> _durable = new(StringComparer.Ordinal);

    // Files and directories created since their parent directory was last fsynced: a power loss takes their names.
    private readonly HashSet<string> _unsyncedEntries = new(StringComparer.Ordinal);

    // Files renamed to since their directory was last fsynced (a power loss counts renames as durable; tests check these instead).
    private readonly HashSet<string> _unsyncedRenames = new(StringComparer.Ordinal);

    // File writes hold it shared, a power loss exclusively: no write lands after the files were put back.
    private readonly ReaderWriterLockSlim _writes = new(LockRecursionPolicy.SupportsRecursion);
    private long _logBytesRead;

    /// <summary>The next append to a <c>.log</c> file writes this many bytes, then fails (and <see cref="CrashAfterTornWrite"/> decides what follows).</summary>
    public int? TornAppendBytes { get; set; }

    /// <summary>After the torn append every operation fails.</summary>
    public bool CrashAfterTornWrite { get; set; }

    /// <summary>Appends to any file fail with ENOSPC, writing nothing.</summary>
    public bool DiskFull { get; set; }

    public bool FailTruncate { get; set; }

    /// <summary>An append to a file whose path this returns an exception for throws it, writing nothing (any exception type, not only I/O errors).</summary>
    public Func<string, Exception?>? AppendFault { get; set; }

    public bool FailFlush { get; set; }

    /// <summary>An fsync of a file whose path this returns an exception for throws it (any exception type).</summary>
    public Func<string, Exception?>? FlushFault { get; set; }

    /// <summary>A rename matching this fails and crashes the "process".</summary>
    public Func<string, string, bool>? CrashOnRename { get; set; }

    public bool Crashed { get; private set; }

    public int AppendCalls { get; private set; }

    /// <summary>Bytes read from <c>.log</c> files (how much of the log a start-up scanned).</summary>
    public long LogBytesRead => Interlocked.Read(ref _logBytesRead);

    /// <summary>
    /// Successful fsyncs of the file opened as <paramref name="path"/> (the name it had when opened; a
    /// rename after that does not move the count), so tests can see what a flush made durable.
    /// </summary>
    public int FlushCount(string path) => _flushes.GetValueOrDefault(Path.GetFullPath(path));

    public ISegmentFile Open(string path, bool create)
    {
        Check();
        var created = create && !_inner.FileExists(path);
        var inner = _inner.Open(path, create);
        if (created)
        {
            AddUnsyncedEntry(path);
        }

        var file = new FaultFile(this, inner, path, DurableFor(path, inner));
        lock (_open)
        {
            _open.Add(file);
        }

        return file;
    }

    /// <summary>Closes every file this instance opened (the "process" is gone).</summary>
    public void CloseAll()
    {
        lock (_open)
        {
            foreach (var file in _open)
            {
                file.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>
    /// Pulls the plug: every later call fails (as after <see cref="CrashAfterTornWrite"/>), every file this
    /// instance opened is closed, and each one is put back to what its last successful fsync made durable
    /// (a file never fsynced since it was created comes back empty). A file or directory created since its
    /// parent directory's last <see cref="SyncDirectory"/> is gone; renames and deletes count as durable at
    /// once (a renamed file's creation with them). Open a new instance to "reboot".
    /// </summary>
    public void PowerLoss()
    {
        _writes.EnterWriteLock();
        try
        {
            Crashed = true;
            CloseAll();
            lock (_durable)
            {
                foreach (var (path, content) in _durable)
                {
                    if (File.Exists(path))
                    {
                        File.WriteAllBytes(path, content.Snapshot());
                    }
                }

                _durable.Clear();
                // Deepest first, so a lost file inside a lost directory goes before the directory.
                foreach (var entry in _unsyncedEntries.OrderByDescending(e => e.Length))
                {
                    if (File.Exists(entry))
                    {
                        File.Delete(entry);
                    }
                    else if (Directory.Exists(entry))
                    {
                        Directory.Delete(entry, recursive: true);
                    }
                }

                _unsyncedEntries.Clear();
            }
        }
        finally
        {
            _writes.ExitWriteLock();
        }
    }

    public bool FileExists(string path) => _inner.FileExists(path);

    public void DeleteFile(string path)
    {
        Check();
        _inner.DeleteFile(path);
        lock (_durable)
        {
            _durable.Remove(Path.GetFullPath(path));
            _unsyncedEntries.Remove(Path.GetFullPath(path));
            _unsyncedRenames.Remove(Path.GetFullPath(path));
        }
    }

    public void RenameFile(string source, string destination)
    {
        Check();
        if (CrashOnRename?.Invoke(source, destination) == true)
        {
            Crashed = true;
            throw new IOException("crashed during rename");
        }

        _inner.RenameFile(source, destination);
        lock (_durable)
        {
            var from = Path.GetFullPath(source);
            var to = Path.GetFullPath(destination);
            _durable.Remove(to);
            if (_durable.Remove(from, out var content))
            {
                _durable[to] = content;
            }

            _unsyncedEntries.Remove(from);
            _unsyncedRenames.Remove(from);
            _unsyncedRenames.Add(to);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory) => _inner.ListFiles(directory);

    public bool DirectoryExists(string path) => _inner.DirectoryExists(path);

    public void CreateDirectory(string path)
    {
        Check();
        var created = !_inner.DirectoryExists(path);
        _inner.CreateDirectory(path);
        if (created)
        {
            AddUnsyncedEntry(path);
        }
    }

    public void RenameDirectory(string source, string destination)
    {
        Check();
        _inner.RenameDirectory(source, destination);
        MoveDurable(Path.GetFullPath(source), Path.GetFullPath(destination));
    }

    public void DeleteDirectory(string path)
    {
        Check();
        _inner.DeleteDirectory(path);
        MoveDurable(Path.GetFullPath(path), null);
    }

    public IReadOnlyList<string> ListDirectories(string directory) => _inner.ListDirectories(directory);

    public void SyncDirectory(string path)
    {
        Check();
        _inner.SyncDirectory(path);
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        lock (_durable)
        {
            _unsyncedEntries.RemoveWhere(entry => Path.GetDirectoryName(entry) == directory);
            _unsyncedRenames.RemoveWhere(entry => Path.GetDirectoryName(entry) == directory);
        }
    }

    /// <summary>Files and directories a power loss would take now (created since their directory's last fsync).</summary>
    public IReadOnlyList<string> UnsyncedEntries
    {
        get
        {
            lock (_durable)
            {
                return [.. _unsyncedEntries];
            }
        }
    }

    /// <summary>Files renamed into place since their directory's last fsync: a real power loss could undo those renames.</summary>
    public IReadOnlyList<string> UnsyncedRenames
    {
        get
        {
            lock (_durable)
            {
                return [.. _unsyncedRenames];
            }
        }
    }

    private void AddUnsyncedEntry(string path)
    {
        lock (_durable)
        {
            _unsyncedEntries.Add(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        }
    }

    /// <summary>What survives a power loss of the file at <paramref name="path"/>: at first what it held when first opened.</summary>
    private DurableContent DurableFor(string path, ISegmentFile file)
    {
        lock (_durable)
        {
            var full = Path.GetFullPath(path);
            if (!_durable.TryGetValue(full, out var content))
            {
                var bytes = new byte[file.Length];
                file.Read(0, bytes);
                content = new DurableContent(bytes);
                _durable[full] = content;
            }

            return content;
        }
    }

    private void MoveDurable(string fromDirectory, string? toDirectory)
    {
        lock (_durable)
        {
            var prefix = fromDirectory + Path.DirectorySeparatorChar;
            // Renames and deletes count as durable at once, the creations inside with them.
            _unsyncedEntries.RemoveWhere(entry => entry == fromDirectory || entry.StartsWith(prefix, StringComparison.Ordinal));
            foreach (var path in _durable.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _durable.Remove(path, out var content);
                if (toDirectory is not null)
                {
                    _durable[Path.Combine(toDirectory, path[prefix.Length..])] = content!;
                }
            }
        }
    }

    private void Check()
    {
        if (Crashed)
        {
            throw new IOException("crashed");
        }
    }

    /// <summary>The bytes of one file that its fsyncs made durable.</summary>
    private sealed class DurableContent(byte[] initial)
    {
        private readonly Lock _lock = new();
        private byte[] _bytes = initial;

        public byte[] Snapshot()
        {
            lock (_lock)
            {
                return _bytes;
            }
        }

        /// <summary>After an fsync that started with the file <paramref name="length"/> bytes long: those bytes are durable.</summary>
        public void Synced(ISegmentFile file, long length)
        {
            var bytes = new byte[length];
            var read = file.Read(0, bytes);
            lock (_lock)
            {
                _bytes = read == length ? bytes : bytes[..read];
            }
        }
    }

    private sealed class FaultFile(FaultInjectingFileSystem fs, ISegmentFile inner, string path, DurableContent durable) : ISegmentFile
    {
        public long Length => inner.Length;

        public int Read(long position, Span<byte> destination)
        {
            var read = inner.Read(position, destination);
            if (path.EndsWith(".log", StringComparison.Ordinal))
            {
                Interlocked.Add(ref fs._logBytesRead, read);
            }

            return read;
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            fs._writes.EnterReadLock();
            try
            {
                AppendCore(data);
            }
            finally
            {
                fs._writes.ExitReadLock();
            }
        }

        private void AppendCore(ReadOnlySpan<byte> data)
        {
            fs.Check();
            fs.AppendCalls++;
            if (fs.AppendFault?.Invoke(path) is { } fault)
            {
                throw fault;
            }

            if (fs.DiskFull)
            {
                throw new IOException("No space left on device");
            }

            if (fs.TornAppendBytes is { } torn && path.EndsWith(".log", StringComparison.Ordinal))
            {
                fs.TornAppendBytes = null;
                inner.Append(data[..Math.Min(torn, data.Length)]);
                fs.Crashed = fs.CrashAfterTornWrite;
                throw new IOException("Input/output error (torn write)");
            }

            inner.Append(data);
        }

        public void Flush()
        {
            fs._writes.EnterReadLock();
            try
            {
                FlushCore();
            }
            finally
            {
                fs._writes.ExitReadLock();
            }
        }

        private void FlushCore()
        {
            fs.Check();
            if (fs.FailFlush)
            {
                throw new IOException("Input/output error (fsync)");
            }

            if (fs.FlushFault?.Invoke(path) is { } fault)
            {
                throw fault;
            }

            // Bytes written before the fsync started are durable once it returns; later ones may not be.
            var length = inner.Length;
            inner.Flush();
            durable.Synced(inner, length);
            fs._flushes.AddOrUpdate(Path.GetFullPath(path), 1, (_, count) => count + 1);
        }

        public void Truncate(long length)
        {
            fs._writes.EnterReadLock();
            try
            {
                fs.Check();
                if (fs.FailTruncate)
                {
                    throw new IOException("Input/output error (truncate)");
                }

                inner.Truncate(length);
            }
            finally
            {
                fs._writes.ExitReadLock();
            }
        }

        public void Seal()
        {
            fs._writes.EnterReadLock();
            try
            {
                fs.Check();
                inner.Seal();
            }
            finally
            {
                fs._writes.ExitReadLock();
            }
        }

        public void Dispose() => inner.Dispose();
    }
}
