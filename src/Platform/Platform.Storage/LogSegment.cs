using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// One segment: a <c>.log</c> file of whole batches plus its sparse offset and time indexes and its
/// aborted-transaction index.
/// Appends come from one writer (the partition's lock); reads from any thread see only bytes up to
/// <see cref="Size"/>, which moves only after a write completed.
/// </summary>
internal sealed partial class LogSegment : IDisposable
{
    private readonly IStorageFileSystem _fs;
    private readonly string _directory;
    private readonly int _indexIntervalBytes;
    private int _size;
    private long _nextOffset = -1;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp = -1;
    private long _rollingBasedTimestamp = -1;
    private int _bytesSinceLastIndexEntry;

    private LogSegment(IStorageFileSystem fs, string directory, long baseOffset, LogConfig config, string suffix, ISegmentFile file, long createdMs)
    {
        _fs = fs;
        _directory = directory;
        BaseOffset = baseOffset;
        Suffix = suffix;
        File = file;
        CreatedMs = createdMs;
        _indexIntervalBytes = config.IndexIntervalBytes;
        _size = checked((int)file.Length);
        // The indexes check themselves against the log when they load lazily (start-up no longer reads them).
        OffsetIndex = new OffsetIndex(fs, LogFileNames.Path(directory, baseOffset, LogFileNames.IndexExtension, suffix), baseOffset, config.SegmentIndexBytes, () => Size);
        TimeIndex = new TimeIndex(fs, LogFileNames.Path(directory, baseOffset, LogFileNames.TimeIndexExtension, suffix), baseOffset, config.SegmentIndexBytes, () => Size);
        TxnIndex = new TransactionIndex(fs, LogFileNames.Path(directory, baseOffset, LogFileNames.TxnIndexExtension, suffix));
    }

    public long BaseOffset { get; }

    public string Suffix { get; private set; }

    public ISegmentFile File { get; }

    public OffsetIndex OffsetIndex { get; }

    public TimeIndex TimeIndex { get; }

    /// <summary>The aborted transactions whose ABORT marker is in this segment.</summary>
    public TransactionIndex TxnIndex { get; }

    /// <summary>When this process created or opened the segment (segment.ms falls back to it).</summary>
    public long CreatedMs { get; }

    /// <summary>Bytes of whole, readable batches.</summary>
    public int Size => Volatile.Read(ref _size);

    public string LogPath => LogFileNames.Path(_directory, BaseOffset, LogFileNames.LogExtension, Suffix);

    /// <summary>The offset after the segment's last batch (<see cref="BaseOffset"/> when empty).</summary>
    public long NextOffset
    {
        get
        {
            var next = Volatile.Read(ref _nextOffset);
            if (next < 0)
            {
                next = ReadNextOffset();
                Volatile.Write(ref _nextOffset, next);
            }

            return next;
        }
    }

    /// <summary>Largest timestamp in the segment, -1 if none.</summary>
    public long MaxTimestamp
    {
        get
        {
            if (Volatile.Read(ref _maxTimestamp) < 0 && Size > 0 && TimeIndex.LastEntry is { } last)
            {
                _offsetOfMaxTimestamp = BaseOffset + last.Value;
                Volatile.Write(ref _maxTimestamp, last.Key);
            }

            return Volatile.Read(ref _maxTimestamp);
        }
    }

    /// <summary>Last offset of the batch holding <see cref="MaxTimestamp"/>.</summary>
    public long OffsetOfMaxTimestamp => MaxTimestamp < 0 ? -1 : _offsetOfMaxTimestamp;

    public static LogSegment Create(IStorageFileSystem fs, string directory, long baseOffset, LogConfig config, long nowMs, string suffix = "")
    {
        var path = LogFileNames.Path(directory, baseOffset, LogFileNames.LogExtension, suffix);
        var file = fs.Open(path, create: true);
        try
        {
            file.Truncate(0);
            var segment = new LogSegment(fs, directory, baseOffset, config, suffix, file, nowMs);
            segment.OffsetIndex.Reset();
            segment.TimeIndex.Reset();
            segment.TxnIndex.Reset();
            segment._nextOffset = baseOffset;
            return segment;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public static LogSegment Open(IStorageFileSystem fs, string directory, long baseOffset, LogConfig config, long nowMs, string suffix = "")
    {
        var file = fs.Open(LogFileNames.Path(directory, baseOffset, LogFileNames.LogExtension, suffix), create: false);
        return new LogSegment(fs, directory, baseOffset, config, suffix, file, nowMs);
    }

    /// <summary>True if the segment must roll before taking <paramref name="bytes"/> more ending at <paramref name="lastOffset"/>.</summary>
    public bool ShouldRoll(int bytes, long firstBatchTimestamp, long lastOffset, long nowMs, LogConfig config)
    {
        if (Size == 0)
        {
            return false;
        }

        var reference = _rollingBasedTimestamp >= 0 ? _rollingBasedTimestamp : CreatedMs;
        var now = _rollingBasedTimestamp >= 0 && firstBatchTimestamp >= 0 ? firstBatchTimestamp : nowMs;
        return Size > config.SegmentBytes - (long)bytes
            || now - reference > config.SegmentMs - config.SegmentJitterMs
            || OffsetIndex.IsFull
            || TimeIndex.IsFull
            || lastOffset - BaseOffset > int.MaxValue;
    }

    /// <summary>
    /// Writes whole batches (offsets already assigned) at the end, then indexes them. If the write fails
    /// the file is cut back so no partial batch stays behind. If indexing fails after the write, the
    /// write is undone the same way (bytes left past <see cref="Size"/> would shift every later append
    /// and reappear at restart as a batch whose offsets collide with the next one's). An I/O error while
    /// undoing propagates: the log goes offline and the next start recovers the tail.
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches)
    {
        var start = _size;
        try
        {
            File.Append(batches);
        }
        catch
        {
            File.Truncate(start);
            throw;
        }

        var state = (_maxTimestamp, _offsetOfMaxTimestamp, _rollingBasedTimestamp, _bytesSinceLastIndexEntry, OffsetIndex.Count, TimeIndex.Count);
        var last = -1L;
        try
        {
            var offset = 0;
            while (offset < batches.Length)
            {
                var batch = batches[offset..];
                last = RecordBatchHeader.LastOffset(batch);
                OnBatch(start + offset, RecordBatchHeader.TotalSize(batch), last, RecordBatchHeader.MaxTimestamp(batch));
                offset += RecordBatchHeader.TotalSize(batch);
            }
        }
        catch
        {
            (_maxTimestamp, _offsetOfMaxTimestamp, _rollingBasedTimestamp, _bytesSinceLastIndexEntry, var offsetEntries, var timeEntries) = state;
            OffsetIndex.TruncateToEntries(offsetEntries);
            TimeIndex.TruncateToEntries(timeEntries);
            File.Truncate(start);
            throw;
        }

        Volatile.Write(ref _nextOffset, last + 1);
        Volatile.Write(ref _size, start + batches.Length);
    }

    /// <summary>The segment stops taking appends: the time index gets its final entry, the indexes go to disk and the log file is sealed.</summary>
    public void OnBecomeInactive()
    {
        File.Seal();
        if (_maxTimestamp >= 0)
        {
            TimeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
        }

        OffsetIndex.Persist(fsync: false);
        TimeIndex.Persist(fsync: false);
        OffsetIndex.ReleaseFile();
        TimeIndex.ReleaseFile();
    }

    /// <summary>fsyncs the log and its indexes.</summary>
    public void Flush()
    {
        File.Flush();
        OffsetIndex.Persist(fsync: true);
        TimeIndex.Persist(fsync: true);
        // Before the producer snapshot that follows a flush: replay after that snapshot could not bring back an entry lost here.
        TxnIndex.Flush();
    }

    /// <summary>
    /// Renames the segment's files to carry <paramref name="suffix"/>; open readers keep working. Start-up
    /// goes by the <c>.log</c> name (a <c>.log.swap</c> is a committed swap) and can rebuild the offset and
    /// time indexes but not the transaction index, so that one moves into <c>.swap</c> before the log
    /// and out of it after the log: a crash between two renames never leaves a swap without its aborts.
    /// </summary>
    public void ChangeSuffix(string suffix)
    {
        var txnIndexFirst = suffix == LogFileNames.SwapSuffix;
        if (txnIndexFirst)
        {
            TxnIndex.Rename(LogFileNames.Path(_directory, BaseOffset, LogFileNames.TxnIndexExtension, suffix));
        }

        _fs.RenameFile(LogPath, LogFileNames.Path(_directory, BaseOffset, LogFileNames.LogExtension, suffix));
        OffsetIndex.Rename(LogFileNames.Path(_directory, BaseOffset, LogFileNames.IndexExtension, suffix));
        TimeIndex.Rename(LogFileNames.Path(_directory, BaseOffset, LogFileNames.TimeIndexExtension, suffix));
        if (!txnIndexFirst)
        {
            TxnIndex.Rename(LogFileNames.Path(_directory, BaseOffset, LogFileNames.TxnIndexExtension, suffix));
        }

        Suffix = suffix;
    }

    public void Dispose()
    {
        File.Dispose();
        OffsetIndex.Dispose();
        TimeIndex.Dispose();
        TxnIndex.Dispose();
    }

    /// <summary>Closes and deletes the files.</summary>
    public void Delete()
    {
        Dispose();
        if (_fs.FileExists(LogPath))
        {
            _fs.DeleteFile(LogPath);
        }

        OffsetIndex.DeleteFile();
        TimeIndex.DeleteFile();
        TxnIndex.DeleteFile();
    }

    private void OnBatch(int position, int size, long lastOffset, long maxTimestamp)
    {
        if (_rollingBasedTimestamp < 0)
        {
            _rollingBasedTimestamp = maxTimestamp;
        }

        if (maxTimestamp > _maxTimestamp)
        {
            _offsetOfMaxTimestamp = lastOffset;
            Volatile.Write(ref _maxTimestamp, maxTimestamp);
        }

        if (_bytesSinceLastIndexEntry > _indexIntervalBytes)
        {
            OffsetIndex.Append(lastOffset, position);
            TimeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
            _bytesSinceLastIndexEntry = 0;
        }

        _bytesSinceLastIndexEntry += size;
    }
}
