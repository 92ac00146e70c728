namespace Platform.Storage;

/// <summary>
/// Bounds the open <c>.log</c> file handles: a segment file holds an operating-system handle only while it
/// is among the <see cref="MaxOpen"/> most recently used; an idle one is closed and reopened by path on its
/// next read or write. Everything else passes through to the wrapped file system. A broker with many
/// partitions and segments then stays within its open-file limit instead of failing with EMFILE.
/// A handle in use is never closed under its user. Renames move a cached file's path with it, and a
/// file about to be deleted keeps (pins) its handle, so readers of a retired segment still read it.
/// </summary>
public sealed class SegmentHandleCache : IStorageFileSystem
{
    private readonly IStorageFileSystem _inner;
    private readonly Lock _lock = new();
    private readonly LinkedList<CachedSegmentFile> _open = new();
    private readonly HashSet<CachedSegmentFile> _files = [];

    public SegmentHandleCache(IStorageFileSystem inner, int maxOpen)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOpen);
        _inner = inner;
        MaxOpen = maxOpen;
    }

    /// <summary>The most <c>.log</c> handles kept open while idle.</summary>
    public int MaxOpen { get; }

    /// <summary><c>.log</c> handles open now.</summary>
    public int OpenHandles
    {
        get
        {
            lock (_lock)
            {
                return _open.Count;
            }
        }
    }

    public ISegmentFile Open(string path, bool create)
    {
        var handle = _inner.Open(path, create);
        if (!path.EndsWith(LogFileNames.LogExtension, StringComparison.Ordinal))
        {
            return handle;
        }

        var file = new CachedSegmentFile(this, path, handle);
        lock (_lock)
        {
            _files.Add(file);
            file.Node = _open.AddFirst(file);
            EvictLocked();
        }

        return file;
    }

    public bool FileExists(string path) => _inner.FileExists(path);

    public void DeleteFile(string path)
    {
        PinUnder(path, directory: false);
        _inner.DeleteFile(path);
    }

    public void RenameFile(string source, string destination)
    {
        _inner.RenameFile(source, destination);
        lock (_lock)
        {
            foreach (var file in _files)
            {
                if (file.Path == source)
                {
                    file.Path = destination;
                }
            }
        }
    }

    public IReadOnlyList<string> ListFiles(string directory) => _inner.ListFiles(directory);

    public bool DirectoryExists(string path) => _inner.DirectoryExists(path);

    public void CreateDirectory(string path) => _inner.CreateDirectory(path);

    public void RenameDirectory(string source, string destination)
    {
        _inner.RenameDirectory(source, destination);
        var prefix = Path.TrimEndingDirectorySeparator(source) + Path.DirectorySeparatorChar;
        lock (_lock)
        {
            foreach (var file in _files)
            {
                if (file.Path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    file.Path = Path.Combine(destination, file.Path[prefix.Length..]);
                }
            }
        }
    }

    public void DeleteDirectory(string path)
    {
        PinUnder(path, directory: true);
        _inner.DeleteDirectory(path);
    }

    public IReadOnlyList<string> ListDirectories(string directory) => _inner.ListDirectories(directory);

    public void SyncDirectory(string path) => _inner.SyncDirectory(path);

    /// <summary>Opens (if closed) and pins the handles of files about to be deleted: once the name is gone, only a held handle reads them.</summary>
    private void PinUnder(string path, bool directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar;
        lock (_lock)
        {
            foreach (var file in _files)
            {
                if (directory ? file.Path.StartsWith(prefix, StringComparison.Ordinal) : file.Path == path)
                {
                    file.PinLocked();
                }
            }
        }
    }

    /// <summary>Closes the least recently used idle handles while more than <see cref="MaxOpen"/> are open.</summary>
    private void EvictLocked()
    {
        var node = _open.Last;
        while (_open.Count > MaxOpen && node is not null)
        {
            var previous = node.Previous;
            node.Value.TryCloseLocked();
            node = previous;
        }
    }

    /// <summary>A <c>.log</c> file whose handle comes and goes; callers see one file that is always open.</summary>
    private sealed class CachedSegmentFile(SegmentHandleCache cache, string path, ISegmentFile handle) : ISegmentFile
    {
        private ISegmentFile? _handle = handle;
        private long _length = handle.Length;
        private int _users;
        private bool _pinned;
        private bool _disposed;

        public string Path { get; set; } = path;

        public LinkedListNode<CachedSegmentFile>? Node { get; set; }

        public long Length => Volatile.Read(ref _length);

        public int Read(long position, Span<byte> destination)
        {
            var file = Acquire();
            try
            {
                return file.Read(position, destination);
            }
            finally
            {
                Release();
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            var file = Acquire();
            try
            {
                file.Append(data);
            }
            finally
            {
                Volatile.Write(ref _length, file.Length);
                Release();
            }
        }

        public void Flush()
        {
            // fsync works on the file, not the descriptor: a reopened handle flushes what an evicted one wrote.
            var file = Acquire();
            try
            {
                file.Flush();
            }
            finally
            {
                Release();
            }
        }

        public void Seal()
        {
            // A closed handle was sealed when it closed; reopening one to seal it again would cost a descriptor.
            lock (cache._lock)
            {
                if (_handle is null || _disposed)
                {
                    return;
                }
            }

            var file = Acquire();
            try
            {
                file.Seal();
            }
            finally
            {
                Release();
            }
        }

        public void Truncate(long length)
        {
            var file = Acquire();
            try
            {
                file.Truncate(length);
            }
            finally
            {
                Volatile.Write(ref _length, file.Length);
                Release();
            }
        }

        public void Dispose()
        {
            lock (cache._lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                cache._files.Remove(this);
                if (_users == 0)
                {
                    CloseLocked();
                }
            }
        }

        public void PinLocked()
        {
            if (_disposed)
            {
                return;
            }

            if (_handle is null)
            {
                Reopen();
            }

            _pinned = true;
        }

        public void TryCloseLocked()
        {
            if (_users == 0 && !_pinned)
            {
                CloseLocked();
            }
        }

        private void CloseLocked()
        {
            _handle?.Dispose();
            _handle = null;
            if (Node is not null)
            {
                cache._open.Remove(Node);
                Node = null;
            }
        }

        private ISegmentFile Acquire()
        {
            lock (cache._lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_handle is null)
                {
                    Reopen();
                }
                else if (Node is not null)
                {
                    cache._open.Remove(Node);
                    cache._open.AddFirst(Node);
                }

                _users++;
                cache.EvictLocked();
                return _handle!;
            }
        }

        private void Reopen()
        {
            _handle = cache._inner.Open(Path, create: false);
            Node = cache._open.AddFirst(this);
        }

        private void Release()
        {
            lock (cache._lock)
            {
                _users--;
                if (_disposed && _users == 0)
                {
                    CloseLocked();
                }
            }
        }
    }
}
