using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Platform.Storage;

/// <summary>
/// The tail of a <c>.log</c> file appended with <c>O_DIRECT</c> (what Redpanda does): each append is copied
/// into a window of the file's last bytes held in one reused, block-aligned buffer and written from there
/// a little later, many appends at once (see <see cref="Append"/>), whole blocks from the one holding the last
/// written byte (zero-padded past the end), straight to the device.
/// Buffered appends make the kernel take a fresh page-cache page for every 4 KiB the log grows; on a VM
/// whose host takes freed guest memory back (free page reporting) each of those pages is first faulted in
/// by the hypervisor, and that, inside the write's copy, was most of the broker's CPU per record. Here no
/// page-cache page is taken, and readers of the last bytes (consumers of the tail) are served from the window,
/// and of the bytes just before it from the <see cref="RecentLogCache"/> the window's full blocks move to when it slides.
/// The file is longer than <see cref="ISegmentFile.Length"/> by the padding, and by the zeros a synced file
/// reserves ahead (see <see cref="TryBeginReserve"/>), until it is sealed or closed; after a crash recovery cuts the
/// zeros like any torn tail. One appender at a time; readers any time.
/// </summary>
internal sealed class DirectAppendTail : IDisposable
{
    /// <summary>Alignment of direct I/O offsets, lengths and buffers (a page: enough for every block device).</summary>
    public const int BlockSize = 4096;

    /// <summary>Pending bytes at which an append writes the window's whole blocks itself rather than leave them to the write-behind.</summary>
    public const int WriteBehindBytes = 256 * 1024;

    private readonly SafeFileHandle _direct;
    private readonly PhysicalSegmentFile? _cacheOwner;
    private readonly int _capacity;
    private int _reserveBytes;
    // The next reservation's size: doubles from FirstReserveBytes up to _reserveBytes, so a file that takes little
    // (a quiet partition) is given little disk ahead of its end.
    private int _reserveStep;
    // The end at the last sync (TryBeginReserve): how much each sync covers.
    private long _syncedEnd;
    // Zeros are written (or being written) up to here: writes below it change no size and no block map.
    private long _reserved;
    // Where a reservation being written begins (long.MaxValue: none); writes reaching past it wait for it first.
    private long _reserving = long.MaxValue;
    private readonly ManualResetEventSlim _reserveDone = new(initialState: true);
    private byte[] _buffer;
    private int _aligned;
    private readonly Lock _lock = new();
    // Held while the file is written from the window and while the window's buffer changes under its bytes (a slide,
    // a hand-off), but not for the appends' copies: the write-behind writes outside the file's append lock, from
    // bytes no append touches any more, so an appender never waits for the device unless its window is full.
    private readonly Lock _writeLock = new();
    // The end the write begun with BeginWrite goes to.
    private long _writing = -1;
    private long _start;
    private long _end;
    // The file holds the data up to here; the window always holds the block this is in and everything after.
    private long _written;
    private bool _disposed;

    private DirectAppendTail(SafeFileHandle direct, long length, byte[] buffer, PhysicalSegmentFile? cacheOwner, int reserveBytes)
    {
        _direct = direct;
        _cacheOwner = cacheOwner;
        _reserveBytes = reserveBytes;
        _reserveStep = Math.Min(reserveBytes, FirstReserveBytes);
        _reserved = AlignUp(length);
        _syncedEnd = length;
        _capacity = buffer.Length - BlockSize;
        _buffer = buffer;
        _aligned = AlignedOffset(buffer);
        _start = AlignDown(length);
        _end = length;
        _written = length;
        var partial = (int)(length - _start);
        if (partial > 0 && RandomAccess.Read(_direct, Window(0, BlockSize), _start) < partial)
        {
            throw new IOException($"Short read of the last block of a segment ending at {length}.");
        }
    }

    /// <summary>The buffer of a window of <paramref name="capacity"/> bytes: on the pinned heap it never moves, so its address can be aligned once.</summary>
    public static byte[] NewBuffer(int capacity) => GC.AllocateUninitializedArray<byte>(capacity + BlockSize, pinned: true);

    /// <summary>The block-aligned part of a buffer from <see cref="NewBuffer"/>.</summary>
    public static Span<byte> Aligned(byte[] buffer)
    {
        var offset = AlignedOffset(buffer);
        return buffer.AsSpan(offset, buffer.Length - BlockSize);
    }

    /// <summary>
    /// A tail for the file at <paramref name="path"/> (called <paramref name="name"/> in errors) ending at <paramref name="length"/>, in <paramref name="buffer"/>
    /// (from <see cref="NewBuffer"/>; <see cref="Buffer"/> is the caller's again once this is disposed); null where direct
    /// I/O is not offered there. With <paramref name="cacheOwner"/> a slide hands the window's full blocks to that file's
    /// cache of recent data (see <see cref="RecentLogCache"/>) instead of dropping them. With <paramref name="reserveBytes"/>
    /// (a multiple of <see cref="BlockSize"/>) the file is zero-filled ahead of its end that far (see <see cref="TryBeginReserve"/>).
    /// </summary>
    public static DirectAppendTail? Open(string path, string name, long length, byte[] buffer, PhysicalSegmentFile? cacheOwner = null, int reserveBytes = 0)
    {
        var direct = NativeMethods.OpenDirect(path, name);
        if (direct is null)
        {
            return null;
        }

        try
        {
            return new DirectAppendTail(direct, length, buffer, cacheOwner, reserveBytes);
        }
        catch
        {
            direct.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="data"/> to the end of the window, where readers find it at once; it reaches the file
    /// with <see cref="WriteWholeBlocks"/> once <see cref="AmountPending"/> says so, the write-behind's
    /// <see cref="BeginWrite"/>, or <see cref="WritePending"/>.
    /// Small appends are not written one by one: a direct write costs a device round trip (on this VM a trap to the
    /// hypervisor and a sleep until the interrupt), which per 16 KiB batch cost more CPU than the page cache it avoids.
    /// When the window is full it slides: its full blocks go to the cache of recent data, or without one it keeps
    /// its last half (a consumer just behind the end still reads from memory). On failure this tail must be
    /// disposed: the window may no longer match the file.
    /// </summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_end - _start + data.Length > _capacity)
            {
                lock (_writeLock)
                {
                    if (_cacheOwner is { } owner && AlignDown(_end) > _start)
                    {
                        // Only what is in the file may leave the window. What is not yet moves to the new window with
                        // the end's block, unless that is much (or all the window holds): written here, the appender waited
                        // for the device at every hand-off (a sixteenth of the produce requests with 16 KiB batches into 4 partitions).
                        if (_end - AlignDown(_written) > _capacity / 2 || AlignDown(_written) <= _start)
                        {
                            Write(AlignDown(_end));
                        }

                        HandOff(owner, AlignDown(_written));
                    }
                    else
                    {
                        // The block holding the end stays (pending, if it is), so it is written once with what follows, not now and again after.
                        if (_written < AlignDown(_end))
                        {
                            Write(AlignDown(_end));
                        }

                        Slide(data.Length <= _capacity / 2 ? _capacity / 2 : 0);
                    }
                }
            }

            var used = (int)(_end - _start);
            var chunk = Math.Min(data.Length, _capacity - used);
            data[..chunk].CopyTo(Window(used, chunk));
            lock (_lock)
            {
                _end += chunk;
            }

            data = data[chunk..];
        }
    }

    /// <summary>Whether appended bytes are still only in the window (not yet written to the file).</summary>
    public bool Pending => Volatile.Read(ref _written) < _end;

    /// <summary>Whether <see cref="WriteBehindBytes"/> or more of whole blocks are pending: time to write them rather than let more gather.</summary>
    public bool AmountPending
    {
        get
        {
            var full = AlignDown(_end);
            var written = Volatile.Read(ref _written);
            return full - AlignDown(written) >= WriteBehindBytes && full > written;
        }
    }

    /// <summary>Writes the window's pending whole blocks (the block holding the end stays pending), as the appender.</summary>
    public void WriteWholeBlocks()
    {
        lock (_writeLock)
        {
            var full = AlignDown(_end);
            if (full > _written)
            {
                Write(full);
            }
        }
    }

    /// <summary>
    /// Writes what is pending to the file: whole blocks from the one holding the last written byte, the last
    /// one zero-padded past the end (the file is longer than its data by that padding until it is sealed).
    /// Waits for a write the write-behind has in progress.
    /// </summary>
    public void WritePending()
    {
        lock (_writeLock)
        {
            if (_written < _end)
            {
                PadEnd();
                Write(_end);
            }
        }
    }

    /// <summary>
    /// The write-behind's first half, called under the file's append lock: takes the write lock and fixes what to
    /// write (everything pending, the end's block zero-padded); false when nothing is pending. Then, without the
    /// append lock, <see cref="EndWrite"/> writes it while appends go on filling the window behind it. Whatever an
    /// append copies into the end block's padding meanwhile may reach the file past its length: the first bytes of
    /// records that were appended, which the next write rewrites, and which after a crash recovery keeps if whole
    /// and cuts if not, as it does any torn tail.
    /// </summary>
    public bool BeginWrite()
    {
        _writeLock.Enter();
        if (_written >= _end || _disposed)
        {
            _writeLock.Exit();
            return false;
        }

        PadEnd();
        _writing = _end;
        return true;
    }

    /// <summary>The write-behind's second half (see <see cref="BeginWrite"/>), outside the append lock; releases the write lock.</summary>
    public void EndWrite()
    {
        try
        {
            Write(_writing);
        }
        finally
        {
            _writing = -1;
            _writeLock.Exit();
        }
    }

    // Zeros past the end, not an older layout's bytes: that is what a crash leaves for recovery to cut.
    private void PadEnd() => Window((int)(_end - _start), (int)(AlignUp(_end) - _end)).Clear();

    /// <summary>Writes the window from the block holding the last written byte up to <paramref name="end"/> (rounded up to a block). Caller holds the write lock.</summary>
    private void Write(long end)
    {
        if (AlignUp(end) > Volatile.Read(ref _reserving))
        {
            // Zeros landing after this write would wipe it.
            _reserveDone.Wait();
        }

        var from = AlignDown(_written);
        RandomAccess.Write(_direct, Window((int)(from - _start), (int)(AlignUp(end) - from)), from);
        Volatile.Write(ref _written, end);
    }

    /// <summary>
    /// Copies the bytes at <paramref name="position"/> (below <paramref name="end"/>, the length the caller
    /// saw) if the window still holds them and returns their count; otherwise -1, and <paramref name="start"/>
    /// is where the window begins (bytes before it are read from the file).
    /// </summary>
    public int TryRead(long position, Span<byte> destination, long end, out long start)
    {
        lock (_lock)
        {
            start = _disposed ? long.MaxValue : _start;
            if (position < start)
            {
                return -1;
            }

            var count = (int)Math.Min(destination.Length, Math.Min(end, _end) - position);
            Window((int)(position - _start), count).CopyTo(destination);
            return count;
        }
    }

    /// <summary>The window's buffer (a new one after each hand-off): no reader touches it once this is disposed.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>
    /// Called at each sync. Starts a reservation if syncs come at most <see cref="ReserveSyncBytes"/> apart and less than
    /// half of the last reservation is left ahead of the end: true with the range to
    /// zero-fill, which the caller then writes with <see cref="Reserve"/> on another thread, so no append and no
    /// fsync waits for it (unless an append's write reaches it first).
    /// Why zeros: a group commit's sync of a file that grew since the last one must also write its inode (size, new
    /// blocks; a journal commit where there is a journal), and so must a sync of writes into blocks <c>fallocate</c>
    /// reserved (their extents turn from unwritten to written); writes over zeros the file already holds leave an
    /// <c>fdatasync</c> only the data to flush. Measured on this machine's ext4 (4 files, 64 KiB direct writes each
    /// synced, load about 40): 121-180 µs of CPU and 3.9-5.8 ms per write and fsync when appending, 88-91 µs and
    /// 2.6-3.4 ms over reserved zeros with fdatasync, the zeroing included. The zeros past
    /// <see cref="ISegmentFile.Length"/> are what the block padding already is: cut when the file is sealed or
    /// closed, and by recovery (which stops at the first zero header) after a crash.
    /// One reservation at a time; the caller holds the file's append lock.
    /// </summary>
    public bool TryBeginReserve(out long from, out long to)
    {
        from = to = 0;
        var synced = _end - _syncedEnd;
        _syncedEnd = _end;
        if (_reserveBytes == 0 || _disposed || synced > ReserveSyncBytes || Volatile.Read(ref _reserving) != long.MaxValue)
        {
            return false;
        }

        var reserved = Volatile.Read(ref _reserved);
        if (AlignUp(_end) + (_reserveStep / 2) <= reserved)
        {
            return false;
        }

        // Well ahead of the end (a quarter of the step, at least ReserveLeadBytes): appends arriving before the pool runs
        // the reservation and while it writes do not reach it and wait. Skipped over, the lead is a hole (no disk).
        from = Math.Max(reserved, AlignUp(_end + Math.Max(_reserveStep / 4, Math.Min(ReserveLeadBytes, _reserveBytes))));
        to = from + _reserveStep;
        _reserveStep = Math.Min(_reserveBytes, _reserveStep * 2);

        _reserveDone.Reset();
        Volatile.Write(ref _reserving, from);
        return true;
    }

    /// <summary>
    /// Zero-fills [<paramref name="from"/>, <paramref name="to"/>) as <see cref="TryBeginReserve"/> asked, without any lock.
    /// A failure (a full disk, say) gives reservations up for this tail: appends then grow the file as before and report
    /// a real failure themselves.
    /// </summary>
    public void Reserve(long from, long to)
    {
        try
        {
            var zeros = Aligned(Zeros.Value);
            for (var at = from; at < to; at += zeros.Length)
            {
                RandomAccess.Write(_direct, zeros[..(int)Math.Min(zeros.Length, to - at)], at);
            }

            Volatile.Write(ref _reserved, to);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _reserveBytes = 0;
        }
        finally
        {
            Volatile.Write(ref _reserving, long.MaxValue);
            _reserveDone.Set();
        }
    }

    /// <summary>
    /// Syncs further apart than this do not reserve: the zeros cost a write of their own per byte, an inode write is
    /// saved per sync, and syncs megabytes apart (appends no one waits for, the background rounds of write.caching=false)
    /// save too few for it: reserving at every sync doubled the bytes kcat's ingest wrote (one A/B under load: 77% of the
    /// mock's rate against 123%, noisy). Waited-for syncs (acks=all into a few partitions) come tens of kilobytes apart.
    /// </summary>
    internal const int ReserveSyncBytes = 128 * 1024;

    /// <summary>The least a reservation starts ahead of the end (unless the whole reservation is smaller).</summary>
    internal const int ReserveLeadBytes = 256 * 1024;

    /// <summary>The first reservation of a window (see <see cref="_reserveStep"/>).</summary>
    internal const int FirstReserveBytes = 64 * 1024;

    /// <summary>
    /// What reservations are written from, a write at a time: 256 KiB of aligned zeros, shared. Writes past the end hold
    /// the file's inode lock exclusively, and the appends' own writes wait for each (1 MiB ones, about 3 ms each here under load,
    /// did not look better in the durable benchmark).
    /// </summary>
    private static readonly Lazy<byte[]> Zeros = new(() => GC.AllocateArray<byte>((256 * 1024) + BlockSize, pinned: true));

    public void Dispose()
    {
        // After a write the write-behind has in progress: its handle is about to close, and its buffer to go back to the pool.
        lock (_writeLock)
        {
            lock (_lock)
            {
                _disposed = true;
            }
        }

        // A reservation still writing would extend the file again after the caller cut it back to its length.
        _reserveDone.Wait();
        _reserveDone.Dispose();
        _direct.Dispose();
    }

    private static int AlignedOffset(byte[] buffer)
        => (int)((BlockSize - (Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0) % BlockSize)) % BlockSize);

    private static long AlignDown(long position) => position / BlockSize * BlockSize;

    private static long AlignUp(long position) => (position + BlockSize - 1) / BlockSize * BlockSize;

    private Span<byte> Window(int offset, int length) => _buffer.AsSpan(_aligned + offset, length);

    /// <summary>
    /// Moves the window to a fresh buffer holding only what is from <paramref name="start"/> on (the block with the end,
    /// and the blocks not yet in the file), and gives the old buffer, with every block before it, to the owner's cache:
    /// no copy of the window's bulk, and consumers behind the window still read from memory. The chunk is findable
    /// before the window lets go of its range (a reader never misses it), and evictable only once the window no longer
    /// uses its buffer; it holds only bytes the file has, so an evicted chunk's range reads back from the file.
    /// </summary>
    private void HandOff(PhysicalSegmentFile owner, long start)
    {
        var fresh = owner.RentBuffer();
        var aligned = AlignedOffset(fresh);
        _buffer.AsSpan(_aligned + (int)(start - _start), (int)(_end - start)).CopyTo(fresh.AsSpan(aligned));
        var chunk = new CachedChunk(owner, _start, start, _buffer);
        lock (_lock)
        {
            owner.AddCached(chunk);
            _buffer = fresh;
            _aligned = aligned;
            _start = start;
        }

        owner.PublishCached(chunk);
    }

    /// <summary>Drops the window's head, keeping at least its last <paramref name="keep"/> bytes and the block holding the end.</summary>
    private void Slide(int keep)
    {
        var start = Math.Max(_start, AlignDown(_end - keep));
        lock (_lock)
        {
            Window((int)(start - _start), (int)(_end - start)).CopyTo(Window(0, (int)(_end - start)));
            _start = start;
        }
    }
}
