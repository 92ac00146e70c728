using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>
/// The real file system: <see cref="RandomAccess"/> over a <see cref="SafeFileHandle"/>; <c>.log</c> files are
/// appended, and read in large pieces, with <c>O_DIRECT</c> (through a <see cref="DirectAppendTail"/> and pooled
/// aligned buffers) where the file system offers it; what the windows slide off stays in memory within
/// one budget (<see cref="RecentLogCache"/>) for consumers of the tail.
/// </summary>
public sealed class PhysicalFileSystem : IStorageFileSystem
{
    /// <summary>The window of a <c>.log</c> file's last bytes an appender keeps in memory.</summary>
    public const int DefaultTailBytes = 1 << 20;

    /// <summary>How many files keep a tail window at once (the least recently appended one gives its up).</summary>
    public const int DefaultMaxTails = 64;

    /// <summary>Memory for recently appended data the windows slid off, all files together.</summary>
    public const long DefaultCacheBytes = 256L << 20;

    /// <summary>
    /// How far ahead of its end a synced <c>.log</c> file with a window is zero-filled at most (see <see cref="DirectAppendTail.TryBeginReserve"/>;
    /// a window's first reservation is 64 KiB, each next one twice the last): one size change, so one inode write,
    /// per that many bytes rather than one per group commit, and at most about that much disk per window beyond the
    /// data (cut when the window closes).
    /// </summary>
    public const int DefaultReserveBytes = 4 << 20;

    /// <summary>How long appended data may stay only in a window before it is written to the file.</summary>
    public static readonly TimeSpan DefaultWriteBehindDelay = TimeSpan.FromMilliseconds(5);

    public static readonly PhysicalFileSystem Instance = new(DefaultTailBytes, DefaultMaxTails);

    private readonly int _tailBytes;
    private readonly int _maxTails;
    private readonly Lock _tailsLock = new();
    private readonly List<PhysicalSegmentFile> _tails = [];
    private readonly Stack<byte[]> _freeBuffers = [];
    private readonly TimeSpan _writeBehindDelay;
    private readonly object _writeBehindGate = new();
    private Thread? _writeBehindThread;
    private int _writeBehindArmed;
    // Cuts the write-behind's delay short (WriteBehindNow): set, and pulsed, under the gate.
    private readonly object _hurryGate = new();
    private volatile bool _hurry;

    /// <param name="tailBytes">Window per appended <c>.log</c> file, a multiple of 4 KiB (at least 8 KiB); 0 for buffered appends and reads.</param>
    /// <param name="maxTails">Files holding a window at once, which bounds their memory to <paramref name="tailBytes"/> times this.</param>
    /// <param name="cacheBytes">Memory for what the windows slide off (see <see cref="RecentLogCache"/>); below one window's buffer, none is kept.</param>
    /// <param name="writeBehindDelay">How long appends may wait in a window for the write-behind (<see cref="DefaultWriteBehindDelay"/> when null; infinite: only the amount, fsyncs, slides and closes write them).</param>
    /// <param name="reserveBytes">How far ahead of its end a synced file with a window is zero-filled, a multiple of 4 KiB; 0 for none.</param>
    public PhysicalFileSystem(int tailBytes, int maxTails, long cacheBytes = DefaultCacheBytes, TimeSpan? writeBehindDelay = null, int reserveBytes = DefaultReserveBytes)
    {
        if (reserveBytes < 0 || reserveBytes % DirectAppendTail.BlockSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(reserveBytes), reserveBytes, $"The reservation must be 0 or a multiple of {DirectAppendTail.BlockSize} bytes.");
        }

        ReserveBytes = reserveBytes;
        if (tailBytes != 0 && (tailBytes < 2 * DirectAppendTail.BlockSize || tailBytes % DirectAppendTail.BlockSize != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tailBytes), tailBytes, $"The tail window must be 0 or a multiple of {DirectAppendTail.BlockSize} bytes, at least {2 * DirectAppendTail.BlockSize}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxTails);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        _tailBytes = maxTails == 0 ? 0 : tailBytes;
        _maxTails = maxTails;
        _writeBehindDelay = writeBehindDelay ?? DefaultWriteBehindDelay;
        Cache = _tailBytes > 0 && cacheBytes >= _tailBytes + DirectAppendTail.BlockSize ? new RecentLogCache(cacheBytes) : null;
    }

    /// <summary>How far ahead of its end a synced file with a window is zero-filled.</summary>
    internal int ReserveBytes { get; }

    /// <summary>Recently appended data the windows slid off; null when there is none.</summary>
    internal RecentLogCache? Cache { get; }

    /// <summary>
    /// Raised (on the write-behind's thread) with the file's path when writing a window's pending appends in the
    /// background failed: its log must stop serving and taking appends now, not at its next append or flush.
    /// </summary>
    public event Action<string, Exception>? BackgroundWriteFailed;

    internal void OnBackgroundWriteFailed(string path, Exception error) => BackgroundWriteFailed?.Invoke(path, error);

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

    /// <summary>
    /// Has every window's pending appends written within the write-behind delay (one thread for all files):
    /// long enough that a producer's small batches go to the device several at a time, short enough that a killed
    /// broker loses few appends answered without an fsync.
    /// A thread of its own that sleeps the delay, not a <see cref="Timer"/>: under a steady stream the write-behind
    /// is armed every few milliseconds, and each arming woke the runtime's timer thread and each firing a pool
    /// worker (kcat into 4 partitions: the timer thread alone was 7% of the broker's CPU). The thread ends after
    /// <see cref="WriteBehindIdle"/> without appends and starts again with the next.
    /// </summary>
    internal void WriteBehindSoon()
    {
        if (_writeBehindDelay == Timeout.InfiniteTimeSpan || Interlocked.Exchange(ref _writeBehindArmed, 1) != 0)
        {
            return;
        }

        lock (_writeBehindGate)
        {
            if (_writeBehindThread is null)
            {
                _writeBehindThread = new Thread(RunWriteBehind) { IsBackground = true, Name = "Log write-behind" };
                _writeBehindThread.UnsafeStart();
            }
            else
            {
                Monitor.Pulse(_writeBehindGate);
            }
        }
    }

    /// <summary>
    /// Has the write-behind write every window's pending appends now, without its delay: a window holds
    /// <see cref="DirectAppendTail.WriteBehindBytes"/> unwritten. The appender does not write them itself, which put a
    /// device round trip into every sixteenth 16 KiB produce of a partition. False when there is no write-behind.
    /// </summary>
    internal bool WriteBehindNow()
    {
        if (_writeBehindDelay == Timeout.InfiniteTimeSpan)
        {
            return false;
        }

        WriteBehindSoon();
        if (!_hurry)
        {
            lock (_hurryGate)
            {
                _hurry = true;
                Monitor.Pulse(_hurryGate);
            }
        }

        return true;
    }

    /// <summary>How long the write-behind thread waits for an append before it ends.</summary>
    internal TimeSpan WriteBehindIdle { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the write-behind thread is there (it ends when idle).</summary>
    internal bool WriteBehindRunning
    {
        get
        {
            lock (_writeBehindGate)
            {
                return _writeBehindThread is not null;
            }
        }
    }

    private void RunWriteBehind()
    {
        while (true)
        {
            lock (_writeBehindGate)
            {
                // Armed is set before the gate is taken to wake this thread, so an arming is never missed: seen here,
                // or pulsed while waiting, or (once this thread has left) met by a new thread.
                while (Volatile.Read(ref _writeBehindArmed) == 0)
                {
                    if (!Monitor.Wait(_writeBehindGate, WriteBehindIdle) && Volatile.Read(ref _writeBehindArmed) == 0)
                    {
                        _writeBehindThread = null;
                        return;
                    }
                }
            }

            lock (_hurryGate)
            {
                if (!_hurry)
                {
                    Monitor.Wait(_hurryGate, _writeBehindDelay);
                }

                _hurry = false;
            }

            WriteBehind();
        }
    }

    private void WriteBehind()
    {
        // Cleared first: an append after this point arms the write-behind again, one before it is written by this pass.
        Volatile.Write(ref _writeBehindArmed, 0);
        PhysicalSegmentFile[] files;
        lock (_tailsLock)
        {
            files = [.. _tails];
        }

        foreach (var file in files)
        {
            file.WriteBehind();
        }

        KeepSpareBuffer();
    }

    /// <summary>Free window buffers the write-behind keeps faulted in for the windows' next hand-offs.</summary>
    internal const int SpareBuffers = 4;

    /// <summary>
    /// Puts new window buffers, their pages touched, into the pool until <see cref="SpareBuffers"/> are free (at most one a window). Until the cache of recent data is full every hand-off takes a new buffer, and the appender
    /// faulting its pages in (and the kernel zeroing them) during its copies was 15% of the broker's CPU at 16 KiB
    /// batches, all of it on the connection's thread, which answers one produce request at a time. Here it is off that
    /// thread, and the same work, not more: the buffer goes to the next window that slides.
    /// </summary>
    private void KeepSpareBuffer()
    {
        if (Cache is null)
        {
            return;
        }

        // The pool keeps no more than a buffer per window.
        var spares = Math.Min(SpareBuffers, _maxTails);
        while (true)
        {
            lock (_tailsLock)
            {
                if (_freeBuffers.Count >= spares)
                {
                    return;
                }
            }

            var buffer = DirectAppendTail.NewBuffer(_tailBytes);
            for (var page = 0; page < buffer.Length; page += DirectAppendTail.BlockSize)
            {
                buffer[page] = 0;
            }

            ReturnTailBuffer(buffer);
        }
    }

    /// <summary>Free window buffers now (for tests).</summary>
    internal int FreeBuffers
    {
        get
        {
            lock (_tailsLock)
            {
                return _freeBuffers.Count;
            }
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

    public void SyncDirectory(string path) => Platform.IO.DirectorySync.Sync(path);
}
