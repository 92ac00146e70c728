using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>
/// The real file system: <see cref="RandomAccess"/> over a <see cref="SafeFileHandle"/>; <c>.log</c> files are
/// appended with <c>O_DIRECT</c> through a <see cref="DirectAppendTail"/> where the file system offers it.
/// </summary>
public sealed class PhysicalFileSystem : IStorageFileSystem
{
    /// <summary>The window of a <c>.log</c> file's last bytes an appender keeps in memory.</summary>
    public const int DefaultTailBytes = 1 << 20;

    /// <summary>How many files keep a tail window at once (the least recently appended one gives its up).</summary>
    public const int DefaultMaxTails = 64;

    public static readonly PhysicalFileSystem Instance = new(DefaultTailBytes, DefaultMaxTails);

    /// <summary>Buffered appends only (the page cache takes every write).</summary>
    public static readonly PhysicalFileSystem Buffered = new(0, 0);

    private readonly int _tailBytes;
    private readonly int _maxTails;
    private readonly Lock _tailsLock = new();
    private readonly List<PhysicalSegmentFile> _tails = [];
    private readonly Stack<byte[]> _freeBuffers = [];

    /// <param name="tailBytes">Window per appended <c>.log</c> file, a multiple of 4 KiB (at least 8 KiB); 0 for buffered appends.</param>
    /// <param name="maxTails">Files holding a window at once, which bounds their memory to <paramref name="tailBytes"/> times this.</param>
    public PhysicalFileSystem(int tailBytes, int maxTails)
    {
        if (tailBytes != 0 && (tailBytes < 2 * DirectAppendTail.BlockSize || tailBytes % DirectAppendTail.BlockSize != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tailBytes), tailBytes, $"The tail window must be 0 or a multiple of {DirectAppendTail.BlockSize} bytes, at least {2 * DirectAppendTail.BlockSize}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxTails);
        _tailBytes = maxTails == 0 ? 0 : tailBytes;
        _maxTails = maxTails;
    }

    public ISegmentFile Open(string path, bool create)
        => new PhysicalSegmentFile(this, path, create ? FileMode.OpenOrCreate : FileMode.Open, path.EndsWith(LogFileNames.LogExtension, StringComparison.Ordinal) ? _tailBytes : 0);

    /// <summary>Counts <paramref name="file"/>'s new window; returns the file that must give its window up to keep within the bound, if any.</summary>
    internal PhysicalSegmentFile? TailOpened(PhysicalSegmentFile file)
    {
        lock (_tailsLock)
        {
            _tails.Add(file);
            if (_tails.Count <= _maxTails)
            {
                return null;
            }

            var victim = _tails.MinBy(f => f.LastAppendTicks)!;
            _tails.Remove(victim);
            return victim;
        }
    }

    /// <summary>
    /// A window's buffer: one given back, or a new one. Reused because pinned arrays are only collected with
    /// the oldest generation, and because fresh memory is what costs (see <see cref="DirectAppendTail"/>).
    /// </summary>
    internal byte[] RentTailBuffer()
    {
        lock (_tailsLock)
        {
            return _freeBuffers.TryPop(out var buffer) ? buffer : DirectAppendTail.NewBuffer(_tailBytes);
        }
    }

    internal void TailClosed(PhysicalSegmentFile file, byte[] buffer)
    {
        lock (_tailsLock)
        {
            _tails.Remove(file);
        }

        ReturnTailBuffer(buffer);
    }

    internal void ReturnTailBuffer(byte[] buffer)
    {
        lock (_tailsLock)
        {
            if (_freeBuffers.Count < _maxTails)
            {
                _freeBuffers.Push(buffer);
            }
        }
    }

    public bool FileExists(string path) => File.Exists(path);

    public void DeleteFile(string path) => File.Delete(path);

    public void RenameFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    public IReadOnlyList<string> ListFiles(string directory) => Directory.GetFiles(directory);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void RenameDirectory(string source, string destination) => Directory.Move(source, destination);

    public void DeleteDirectory(string path) => Directory.Delete(path, recursive: true);

    public IReadOnlyList<string> ListDirectories(string directory) => Directory.GetDirectories(directory);

    public void SyncDirectory(string path)
    {
        // Windows makes renames durable with the file's metadata and has no directory handle to flush.
        if (!OperatingSystem.IsWindows())
        {
            NativeMethods.FsyncDirectory(path);
        }
    }
}

/// <summary>
/// A file opened once for the segment's life. Reads are <c>pread</c>s, so any number of readers share the
/// handle without a lock or a seek; appends are <c>pwrite</c>s at the tracked end (one syscall each), through
/// a <see cref="DirectAppendTail"/> (opened on the first append, given up when the file system's bound on
/// windows asks for it) when the file has a tail window.
/// Shared with delete so a segment renamed or deleted under open readers stays readable (and works on Windows).
/// </summary>
internal sealed class PhysicalSegmentFile : ISegmentFile
{
    private readonly PhysicalFileSystem _fs;
    private readonly SafeFileHandle _handle;
    private readonly string _path;
    // Held by an append and while the tail is opened or dropped: a file giving up its window for another
    // one's never does so under its own appender.
    private readonly Lock _appendLock = new();
    private int _tailBytes;
    private DirectAppendTail? _tail;
    private bool _directReads;
    private SafeFileHandle? _directRead;
    private long _length;

    public PhysicalSegmentFile(PhysicalFileSystem fs, string path, FileMode mode, int tailBytes)
    {
        _fs = fs;
        _handle = File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        _path = path;
        _tailBytes = tailBytes;
        _directReads = tailBytes > 0;
        _length = RandomAccess.GetLength(_handle);
    }

    public long Length => Volatile.Read(ref _length);

    /// <summary>When this file was last appended to (<see cref="Environment.TickCount64"/>).</summary>
    public long LastAppendTicks { get; private set; }

    public int Read(long position, Span<byte> destination)
    {
        // Only what appends have finished: past it the file may hold a direct write's zero padding.
        var end = Length;
        var total = 0;
        while (position + total < end && total < destination.Length)
        {
            var at = position + total;
            var rest = destination[total..(int)Math.Min(destination.Length, end - position)];
            var windowStart = long.MaxValue;
            if (Volatile.Read(ref _tail) is { } tail)
            {
                var copied = tail.TryRead(at, rest, end, out windowStart);
                if (copied >= 0)
                {
                    return total + copied;
                }
            }

            var part = rest[..(int)Math.Min(rest.Length, windowStart - at)];
            var read = part.Length >= DirectReadMinBytes && DirectReadHandle() is { } direct ? ReadDirect(direct, at, part) : RandomAccess.Read(_handle, part, at);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>
    /// Reads of this size or more (a fetch's records) go around the page cache too, through a pooled aligned
    /// buffer: cold data read through the page cache costs a fresh page per 4 KiB, as appends did. Smaller
    /// ones (batch headers while searching) stay buffered.
    /// </summary>
    private const int DirectReadMinBytes = 64 * 1024;

    private SafeFileHandle? DirectReadHandle()
    {
        if (!_directReads)
        {
            return null;
        }

        if (Volatile.Read(ref _directRead) is { } handle)
        {
            return handle;
        }

        lock (_appendLock)
        {
            if (_directRead is null && !_handle.IsClosed)
            {
                _directRead = NativeMethods.OpenDirect(_path);
                _directReads = _directRead is not null;
            }

            return _directRead;
        }
    }

    private int ReadDirect(SafeFileHandle direct, long position, Span<byte> destination)
    {
        var buffer = _fs.RentTailBuffer();
        try
        {
            var total = 0;
            while (total < destination.Length)
            {
                var at = position + total;
                var from = at / DirectAppendTail.BlockSize * DirectAppendTail.BlockSize;
                var aligned = DirectAppendTail.Aligned(buffer);
                var length = (int)Math.Min(aligned.Length, (at + destination.Length - total - from + DirectAppendTail.BlockSize - 1) / DirectAppendTail.BlockSize * DirectAppendTail.BlockSize);
                var read = RandomAccess.Read(direct, aligned[..length], from);
                var useful = (int)Math.Min(read - (at - from), destination.Length - total);
                if (useful <= 0)
                {
                    break;
                }

                aligned.Slice((int)(at - from), useful).CopyTo(destination[total..]);
                total += useful;
            }

            return total;
        }
        finally
        {
            _fs.ReturnTailBuffer(buffer);
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        PhysicalSegmentFile? victim = null;
        lock (_appendLock)
        {
            LastAppendTicks = Environment.TickCount64;
            if (_tail is null && _tailBytes > 0)
            {
                var buffer = _fs.RentTailBuffer();
                var opened = DirectAppendTail.Open(_path, _length, buffer);
                if (opened is null)
                {
                    _fs.TailClosed(this, buffer);
                    // No direct I/O on this file system: buffered from now on.
                    _tailBytes = 0;
                }
                else
                {
                    Volatile.Write(ref _tail, opened);
                    victim = _fs.TailOpened(this);
                }
            }

            if (_tail is { } tail)
            {
                try
                {
                    tail.Append(data);
                }
                catch
                {
                    DropTail();
                    throw;
                }
            }
            else
            {
                RandomAccess.Write(_handle, data, _length);
            }

            Volatile.Write(ref _length, _length + data.Length);
        }

        victim?.GiveUpTail();
    }

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void Truncate(long length)
    {
        lock (_appendLock)
        {
            DropTail();
            RandomAccess.SetLength(_handle, length);
            Volatile.Write(ref _length, length);
        }
    }

    public void Seal()
    {
        bool cut;
        lock (_appendLock)
        {
            cut = DropTail();
        }

        if (cut)
        {
            // Made durable here: a flushed segment is trusted at start-up as long as its file is.
            Flush();
        }
    }

    public void Dispose()
    {
        lock (_appendLock)
        {
            try
            {
                DropTail();
            }
            finally
            {
                _directRead?.Dispose();
                _handle.Dispose();
            }
        }
    }

    /// <summary>Another file needs the window: this one drops its own and reads its tail from the file from now on, until its next append.</summary>
    private void GiveUpTail()
    {
        lock (_appendLock)
        {
            if (!_handle.IsClosed)
            {
                DropTail();
            }
        }
    }

    /// <summary>Closes the direct tail, if any, and cuts the file's padding back to <see cref="Length"/>; true if there was padding. Caller holds the append lock.</summary>
    private bool DropTail()
    {
        if (_tail is not { } tail)
        {
            return false;
        }

        Volatile.Write(ref _tail, null);
        tail.Dispose();
        _fs.TailClosed(this, tail.Buffer);
        if (RandomAccess.GetLength(_handle) == _length)
        {
            return false;
        }

        RandomAccess.SetLength(_handle, _length);
        return true;
    }
}
