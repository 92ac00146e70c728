using System.Collections.Concurrent;

namespace Platform.Storage.Testing;

/// <summary>
/// The real file system with switches for failures: a torn append (a prefix reaches the disk, then the
/// write fails), disk full, failing truncates and fsyncs, and a crash (every later call fails, as if
/// the process died — only what already reached the files survives).
/// </summary>
public sealed class FaultInjectingFileSystem : IStorageFileSystem
{
    private readonly PhysicalFileSystem _inner = PhysicalFileSystem.Instance;
    private readonly List<ISegmentFile> _open = [];
    private readonly ConcurrentDictionary<string, int> _flushes = new(StringComparer.Ordinal);
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
        var file = new FaultFile(this, _inner.Open(path, create), path);
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

    public bool FileExists(string path) => _inner.FileExists(path);

    public void DeleteFile(string path)
    {
        Check();
        _inner.DeleteFile(path);
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
    }

    public IReadOnlyList<string> ListFiles(string directory) => _inner.ListFiles(directory);

    public bool DirectoryExists(string path) => _inner.DirectoryExists(path);

    public void CreateDirectory(string path)
    {
        Check();
        _inner.CreateDirectory(path);
    }

    public void RenameDirectory(string source, string destination)
    {
        Check();
        _inner.RenameDirectory(source, destination);
    }

    public void DeleteDirectory(string path)
    {
        Check();
        _inner.DeleteDirectory(path);
    }

    public IReadOnlyList<string> ListDirectories(string directory) => _inner.ListDirectories(directory);

    public void SyncDirectory(string path)
    {
        Check();
        _inner.SyncDirectory(path);
    }

    private void Check()
    {
        if (Crashed)
        {
            throw new IOException("crashed");
        }
    }

    private sealed class FaultFile(FaultInjectingFileSystem fs, ISegmentFile inner, string path) : ISegmentFile
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
            fs.Check();
            if (fs.FailFlush)
            {
                throw new IOException("Input/output error (fsync)");
            }

            inner.Flush();
            fs._flushes.AddOrUpdate(Path.GetFullPath(path), 1, (_, count) => count + 1);
        }

        public void Truncate(long length)
        {
            fs.Check();
            if (fs.FailTruncate)
            {
                throw new IOException("Input/output error (truncate)");
            }

            inner.Truncate(length);
        }

        public void Dispose() => inner.Dispose();
    }
}
