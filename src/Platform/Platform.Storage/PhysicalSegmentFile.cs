using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>
/// A file opened once for the segment's life. Reads are <c>pread</c>s, so any number of readers share the
/// handle without a lock or a seek (the last bytes come from the tail window, what it slid off recently from
/// the <see cref="RecentLogCache"/>, large reads go around the page cache); appends are <c>pwrite</c>s at the tracked end (one syscall each), or, through a <see cref="DirectAppendTail"/>, copies into its window written to the file a few at a time
/// (opened on the first append, given up when the file system's bound on windows asks for it) when the file
/// has a tail window.
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
    // Chunks of this file in the cache of recent data, by position; a reader copies from one under this lock,
    // and a chunk's buffer goes back to the pool only once out of this list.
    private readonly Lock _cacheLock = new();
    private readonly List<CachedChunk> _cached = [];
    // Bumped (under the cache lock) whenever cached bytes are dropped: a read-ahead begun before is not kept.
    private long _cacheDrops;
    // The chunk this file's last read-ahead left in the cache (at most one per file, so cold readers take
    // little of the cache from the tail's consumers); null once gone.
    private CachedChunk? _readAhead;
    private int _tailBytes;
    private DirectAppendTail? _tail;
    private bool _directReads;
    private SafeFileHandle? _directRead;
    private volatile Exception? _writeBehindError;
    // Set when another file took this one's window: appends go through the page cache until the file was quiet
    // for WindowlessQuietMs (reopening a window per append, with the evicted one's write, cut and close, cost more).
    private volatile bool _appendsBuffered;
    private long _diskReadBytes;
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

    /// <summary>
    /// Bytes reads of this file took from the disk rather than from memory (the window or the cache). A plain add,
    /// not an interlocked one (concurrent readers may lose a count): only tests read it, and the read path should not pay for it.
    /// </summary>
    internal long DiskReadBytes => Volatile.Read(ref _diskReadBytes);

    /// <summary>How long a file that gave its window up must go without appends before it takes one again.</summary>
    internal const int WindowlessQuietMs = 1000;

    public int Read(long position, Span<byte> destination)
    {
        if (_writeBehindError is { } error)
        {
            // The window holds appends that never reached the file: not served, since they would not survive a restart.
            throw WriteBehindFailed(error);
        }

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

            rest = rest[..(int)Math.Min(rest.Length, windowStart - at)];
            var read = ReadCached(at, rest, out var cachedStart);
            if (read == 0)
            {
                var part = rest[..(int)Math.Min(rest.Length, cachedStart - at)];
                read = part.Length < DirectReadMinBytes || _appendsBuffered || DirectReadHandle() is not { } direct ? RandomAccess.Read(_handle, part, at)
                    : ReadDirect(direct, at, part, Math.Min(end, Math.Min(windowStart, cachedStart)));
                _diskReadBytes += read;
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>
    /// Copies the bytes at <paramref name="position"/> from the cached chunk holding them and returns their count;
    /// 0 if none does, and <paramref name="nextStart"/> is where the next cached chunk begins (the file is read up to it).
    /// </summary>
    private int ReadCached(long position, Span<byte> destination, out long nextStart)
    {
        nextStart = long.MaxValue;
        lock (_cacheLock)
        {
            foreach (var chunk in _cached)
            {
                if (position < chunk.Start)
                {
                    nextStart = chunk.Start;
                    return 0;
                }

                if (position < chunk.End)
                {
                    var count = (int)Math.Min(destination.Length, chunk.End - position);
                    DirectAppendTail.Aligned(chunk.Buffer).Slice((int)(position - chunk.Start), count).CopyTo(destination);
                    return count;
                }
            }
        }

        return 0;
    }

    /// <summary>A buffer for a window (from the file system's pool).</summary>
    internal byte[] RentBuffer() => _fs.RentTailBuffer();

    /// <summary>Makes a chunk the window slides off findable by readers (called before the window lets its range go).</summary>
    internal void AddCached(CachedChunk chunk)
    {
        lock (_cacheLock)
        {
            _cached.Add(chunk);
        }
    }

    /// <summary>Counts a chunk the window no longer uses against the cache's budget, evicting the oldest chunks of any file over it.</summary>
    internal void PublishCached(CachedChunk chunk)
    {
        foreach (var old in _fs.Cache!.Add(chunk) ?? [])
        {
            if (old.Owner.TakeCached(old))
            {
                _fs.ReturnTailBuffer(old.Buffer);
            }
        }
    }

    /// <summary>Takes an evicted chunk out of this file's list; false if the file dropped it already (and gave its buffer back).</summary>
    private bool TakeCached(CachedChunk chunk)
    {
        lock (_cacheLock)
        {
            return _cached.Remove(chunk);
        }
    }

    /// <summary>Forgets cached bytes from <paramref name="length"/> on (the file is cut there or closed): never served stale.</summary>
    private void DropCached(long length)
    {
        List<CachedChunk>? dropped = null;
        lock (_cacheLock)
        {
            _cacheDrops++;
            for (var i = _cached.Count - 1; i >= 0 && _cached[i].End > length; i--)
            {
                if (_cached[i].Start >= length)
                {
                    (dropped ??= []).Add(_cached[i]);
                    _cached.RemoveAt(i);
                }
                else
                {
                    _cached[i].End = length;
                }
            }
        }

        foreach (var chunk in dropped ?? [])
        {
            _fs.Cache!.Remove(chunk);
            _fs.ReturnTailBuffer(chunk.Buffer);
        }
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
                try
                {
                    _directRead = NativeMethods.OpenDirect(OpenFilePath, _path);
                    _directReads = _directRead is not null;
                }
                catch (IOException)
                {
                    // Passing (out of descriptors, say): this read goes through the page cache, the next one tries again.
                }
            }

            return _directRead;
        }
    }

    /// <summary>
    /// The file this handle has open, to open it again with O_DIRECT: not <c>_path</c>, which a compaction's
    /// <c>SegmentList.Replace</c> gives to the cleaned file while readers of the old segment list still read this one.
    /// </summary>
    private string OpenFilePath => $"/proc/self/fd/{_handle.DangerousGetHandle()}";

    /// <summary>
    /// A large read from the disk, through a pooled aligned buffer: reads a whole buffer (a window's size, from the
    /// block holding <paramref name="position"/>, not past <paramref name="limit"/>) rather than just the piece asked
    /// for, and with the cache on keeps it there as this file's read-ahead: a consumer of cold data reads its fetch in
    /// 256 KiB pieces, and the following ones then come from memory instead of each waiting for the device (direct
    /// reads get no kernel readahead). Returns the count copied (the caller reads on for the rest).
    /// </summary>
    private int ReadDirect(SafeFileHandle direct, long position, Span<byte> destination, long limit)
    {
        long drops;
        lock (_cacheLock)
        {
            drops = _cacheDrops;
        }

        var buffer = _fs.RentTailBuffer();
        var kept = false;
        try
        {
            var from = position / DirectAppendTail.BlockSize * DirectAppendTail.BlockSize;
            var aligned = DirectAppendTail.Aligned(buffer);
            var length = (int)Math.Min(aligned.Length, (limit - from + DirectAppendTail.BlockSize - 1) / DirectAppendTail.BlockSize * DirectAppendTail.BlockSize);
            var chunkEnd = Math.Min(from + RandomAccess.Read(direct, aligned[..length], from), limit);
            var useful = (int)Math.Min(destination.Length, chunkEnd - position);
            if (useful <= 0)
            {
                return 0;
            }

            aligned.Slice((int)(position - from), useful).CopyTo(destination);
            kept = _fs.Cache is not null && KeepReadAhead(new CachedChunk(this, from, chunkEnd, buffer), drops);
            return useful;
        }
        finally
        {
            if (!kept)
            {
                _fs.ReturnTailBuffer(buffer);
            }
        }
    }

    /// <summary>
    /// Puts a read-ahead chunk among the cached ones (in position order) in place of this file's previous one, unless
    /// cached bytes were dropped since its read began (a truncation: it may be stale) or another chunk holds part of its range.
    /// </summary>
    private bool KeepReadAhead(CachedChunk chunk, long drops)
    {
        // Under the append lock, like a window's hand-off: a truncation or close cannot drop the chunk between
        // its entering the file's list and the cache's count.
        lock (_appendLock)
        {
            CachedChunk? previous;
            lock (_cacheLock)
            {
                if (drops != _cacheDrops || _handle.IsClosed)
                {
                    return false;
                }

                var index = _cached.FindIndex(c => c.End > chunk.Start);
                if (index >= 0 && _cached[index].Start < chunk.End)
                {
                    return false;
                }

                _cached.Insert(index < 0 ? _cached.Count : index, chunk);
                previous = _readAhead;
                _readAhead = chunk;
                if (previous is not null && !_cached.Remove(previous))
                {
                    previous = null;
                }
            }

            if (previous is not null)
            {
                _fs.Cache!.Remove(previous);
                _fs.ReturnTailBuffer(previous.Buffer);
            }

            PublishCached(chunk);
            return true;
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        PhysicalSegmentFile? victim = null;
        lock (_appendLock)
        {
            var now = Environment.TickCount64;
            var quiet = now - LastAppendTicks >= WindowlessQuietMs;
            LastAppendTicks = now;
            if (_tail is null && _tailBytes > 0 && (!_appendsBuffered || quiet))
            {
                var buffer = _fs.RentTailBuffer();
                DirectAppendTail? opened;
                var outOfDescriptors = false;
                try
                {
                    opened = DirectAppendTail.Open(OpenFilePath, _path, _length, buffer, _fs.Cache is null ? null : this, _fs.ReserveBytes);
                }
                catch (IOException e) when (StorageErrors.IsOutOfFileDescriptors(e))
                {
                    // Passing, and the page cache needs no new descriptor: this append goes buffered, as after giving
                    // a window up, and a window is tried again once the file has been quiet.
                    _fs.ReturnTailBuffer(buffer);
                    _appendsBuffered = outOfDescriptors = true;
                    opened = null;
                }
                catch
                {
                    _fs.ReturnTailBuffer(buffer);
                    throw;
                }

                if (opened is null)
                {
                    if (!outOfDescriptors)
                    {
                        _fs.TailClosed(this, buffer);
                        // No direct I/O on this file system: buffered from now on.
                        _tailBytes = 0;
                    }
                }
                else
                {
                    _appendsBuffered = false;
                    Volatile.Write(ref _tail, opened);
                    victim = _fs.TailOpened(this);
                }
            }

            if (_writeBehindError is { } error)
            {
                throw WriteBehindFailed(error);
            }

            if (_tail is { } tail)
            {
                try
                {
                    tail.Append(data);
                    if (tail.AmountPending)
                    {
                        // Without a write-behind the appender writes them itself.
                        if (!_fs.WriteBehindNow())
                        {
                            tail.WriteWholeBlocks();
                        }
                    }
                    else if (tail.Pending)
                    {
                        _fs.WriteBehindSoon();
                    }
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

    public void Flush()
    {
        DirectAppendTail? reserving = null;
        long from = 0, to = 0;
        lock (_appendLock)
        {
            if (_writeBehindError is { } error)
            {
                throw WriteBehindFailed(error);
            }

            if (_tail is { } tail)
            {
                tail.WritePending();
                // Only files that are synced reserve: their next fsyncs then commit no size change.
                if (tail.TryBeginReserve(out from, out to))
                {
                    reserving = tail;
                }
            }
        }

        if (reserving is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Tail.Reserve(state.From, state.To), (Tail: reserving, From: from, To: to), preferLocal: false);
        }

        NativeMethods.SyncData(_handle);
    }

    /// <summary>
    /// Writes what the window holds that the file does not yet (called by the file system's write-behind, a few
    /// milliseconds after an append left some): appends answered without an fsync reach the kernel soon, so a
    /// killed broker loses at most those milliseconds of them. The write itself runs outside the append lock
    /// (see <see cref="DirectAppendTail.BeginWrite"/>): held, it made the connection appending next wait for the device,
    /// a round trip of 0.5-3 ms here under load, in the middle of its request.
    /// A failure is reported at once (the file system's
    /// <see cref="PhysicalFileSystem.BackgroundWriteFailed"/>, which takes the log offline), and from then on every
    /// append, flush and read of this file throws it: nobody is served appends that never reached the file.
    /// </summary>
    internal void WriteBehind()
    {
        DirectAppendTail? writing = null;
        lock (_appendLock)
        {
            if (_tail is { Pending: true } tail && _writeBehindError is null && tail.BeginWrite())
            {
                writing = tail;
            }
        }

        if (writing is null)
        {
            return;
        }

        try
        {
            writing.EndWrite();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _writeBehindError = e;
            _fs.OnBackgroundWriteFailed(_path, WriteBehindFailed(e));
        }
    }

    private IOException WriteBehindFailed(Exception error) => new($"Writing {_path} in the background failed: {error.Message}", error);

    public void Truncate(long length)
    {
        lock (_appendLock)
        {
            DropTail();
            DropCached(length);
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
                DropCached(0);
                _directRead?.Dispose();
                _handle.Dispose();
            }
        }
    }

    /// <summary>
    /// Another file needs the window: this one drops its own, reads its tail from the file, and appends through
    /// the page cache until it was quiet for <see cref="WindowlessQuietMs"/>: more files appended in turn than there
    /// are windows would otherwise reopen one (an O_DIRECT open and a block read, and the evicted file's write,
    /// cut and close) on every append.
    /// </summary>
    private void GiveUpTail()
    {
        lock (_appendLock)
        {
            if (!_handle.IsClosed)
            {
                _appendsBuffered = true;
                DropTail();
            }
        }
    }

    /// <summary>Writes what the direct tail, if any, still holds, closes it and cuts the file's padding back to <see cref="Length"/>; true if there was padding. Caller holds the append lock.</summary>
    private bool DropTail()
    {
        if (_tail is not { } tail)
        {
            return false;
        }

        try
        {
            // Before readers stop finding the window: from then on they read the file.
            tail.WritePending();
        }
        finally
        {
            Volatile.Write(ref _tail, null);
            tail.Dispose();
            _fs.TailClosed(this, tail.Buffer);
        }

        if (RandomAccess.GetLength(_handle) == _length)
        {
            return false;
        }

        RandomAccess.SetLength(_handle, _length);
        return true;
    }
}
