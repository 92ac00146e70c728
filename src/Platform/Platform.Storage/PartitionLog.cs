using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// The log of one partition: a directory <c>&lt;topic&gt;-&lt;partition&gt;</c> of segments. Appends are
/// serialized by a lock; reads take no lock (they work on a snapshot of the segment list and only see
/// bytes whose append completed).
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly IStorageFileSystem _fs;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Lock _flushLock = new();
    private readonly List<(LogSegment Segment, long DueMs)> _retired = [];
    private volatile LogConfig _config;
    private volatile LogSegment[] _segments = [];
    private long _logEndOffset;
    private long _logStartOffset;
    private long _highWatermark;
    private long _recoveryPoint;
    private long _checkpointedRecoveryPoint = -1;
    private long _unflushedMessages;

    // Set when a file of the directory was created, renamed or deleted: the next sync fsyncs the directory too.
    private volatile bool _directoryChanged;
    private long _lastFlushMs;
    private readonly GroupCommit _groupCommit;
    private Task _rollFlush = Task.CompletedTask;
    private bool _closed;

    private PartitionLog(string directory, string topic, int partition, LogConfig config, IStorageFileSystem fs, ILogger logger, TimeProvider time)
    {
        Directory = directory;
        Topic = topic;
        Partition = partition;
        _config = config;
        _fs = fs;
        _logger = logger;
        _time = time;
        _lastFlushMs = NowMs;
        _groupCommit = new GroupCommit(this);
    }

    public string Directory { get; }

    public string Topic { get; }

    public int Partition { get; }

    public LogConfig Config => _config;

    /// <summary>The offset the next record will get.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>The first offset readable (moved by retention and DeleteRecords).</summary>
    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>
    /// Offsets below this are readable by consumers. While <see cref="HighWatermarkFollowsLogEnd"/> it follows
    /// the log end offset with write.caching=true, the <see cref="DurableOffset"/> with write.caching=false.
    /// </summary>
    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>True (single node) makes every append move the high watermark; replication turns it off and calls <see cref="UpdateHighWatermark"/>.</summary>
    public bool HighWatermarkFollowsLogEnd { get; set; } = true;

    /// <summary>Offsets below this are on stable storage (fsynced); recovery scans only from here.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    public int SegmentCount => _segments.Length;

    /// <summary>Bytes in all segments.</summary>
    public long Size => _segments.Sum(s => (long)s.Size);

    internal LogSegment[] Segments => _segments;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="directory"/>, named <c>&lt;topic&gt;-&lt;partition&gt;</c>,
    /// recovering every segment after the recovery point: torn or corrupt tails are cut, indexes rebuilt.
    /// </summary>
    public static PartitionLog Open(string directory, LogConfig config, IStorageFileSystem fs, ILogger logger, TimeProvider time)
    {
        var (topic, partition) = ParseDirectoryName(directory);
        try
        {
            if (!fs.DirectoryExists(directory))
            {
                // A new partition: its name must survive a power loss before any of its records are acknowledged.
                fs.CreateDirectory(directory);
                fs.SyncDirectory(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(directory))!);
            }

            var log = new PartitionLog(directory, topic, partition, config, fs, logger, time);
            log.Load();
            return log;
        }
        catch (IOException e)
        {
            throw new StorageException($"Could not open log {directory}: {e.Message}", e);
        }
    }

    /// <summary>Splits <c>my-topic-3</c> into (<c>my-topic</c>, 3).</summary>
    public static (string Topic, int Partition) ParseDirectoryName(string directory)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var dash = name.LastIndexOf('-');
        return dash > 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            ? (name[..dash], partition)
            : throw new ArgumentException($"Log directory name '{name}' is not <topic>-<partition>.", nameof(directory));
    }

    /// <summary>Applies a changed topic config (AlterConfigs); segment sizes apply from the next roll.</summary>
    public void UpdateConfig(LogConfig config) => _config = config;

    /// <summary>
    /// Appends validated batches: assigns offsets by rewriting each base offset in place, stamps the
    /// leader epoch, and for LogAppendTime topics the broker time (and CRC). One write per call.
    /// Batches with a producer id are checked against the producer state first (see
    /// <see cref="ProducerStateManager"/>): a refused batch throws a <see cref="LogException"/> with
    /// Kafka's error and writes nothing; a retry of a recent batch writes nothing and returns the
    /// original offsets with <see cref="LogAppendInfo.IsDuplicate"/> set.
    /// On an I/O error nothing becomes visible, the log goes offline and a <see cref="StorageException"/> is thrown.
    /// With write.caching=false the high watermark moves only once a background group commit has fsynced
    /// the batches (see <see cref="WaitForDurableAsync"/>).
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches, int leaderEpoch)
    {
        var span = batches.Span;
        var config = _config;
        LogAppendInfo info;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            ThrowIfOffline();
            var now = NowMs;
            var logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? now : -1;
            var first = _logEndOffset;
            var next = first;
            long maxTimestamp = -1, offsetOfMaxTimestamp = -1, firstTimestamp = -1;
            var records = 0;
            var position = 0;
            ProducerBatch? firstProducerBatch = null;
            List<ProducerBatch>? moreProducerBatches = null;
            List<int>? markers = null;
            while (position < span.Length)
            {
                var batch = NextBatch(span, position, config);
                RecordBatchHeader.SetBaseOffset(batch, next);
                RecordBatchHeader.SetPartitionLeaderEpoch(batch, leaderEpoch);
                if (logAppendTime >= 0)
                {
                    RecordBatchHeader.StampLogAppendTime(batch, logAppendTime);
                }

                // Idempotent batches only: non-idempotent ones cost this one header read.
                if (RecordBatchHeader.ProducerId(batch) >= 0 && RecordBatchHeader.IsControl(batch))
                {
                    CheckMarker(batch);
                    (markers ??= []).Add(position);
                }
                else if (RecordBatchHeader.ProducerId(batch) >= 0)
                {
                    var producerBatch = ProducerBatch.FromHeader(batch);
                    var pending = firstProducerBatch is null ? null : PendingFor(producerBatch.ProducerId, firstProducerBatch, moreProducerBatches);
                    var error = _producerState.Check(producerBatch, pending, out var isDuplicate, out var duplicate, out var problem);
                    if (error != ErrorCode.None)
                    {
                        ThrowProducerError(error, problem);
                    }

                    if (isDuplicate)
                    {
                        // A retry answers with the original's offsets, which only works for a batch appended alone.
                        if (position != 0 || batch.Length != span.Length)
                        {
                            throw new LogException(ErrorCode.InvalidRecord, "A retried idempotent batch must be appended alone, not with other batches.");
                        }

                        return DuplicateInfo(duplicate, config);
                    }

                    if (firstProducerBatch is null)
                    {
                        firstProducerBatch = producerBatch;
                    }
                    else
                    {
                        (moreProducerBatches ??= []).Add(producerBatch);
                    }
                }

                var timestamp = RecordBatchHeader.MaxTimestamp(batch);
                var last = RecordBatchHeader.LastOffset(batch);
                if (position == 0)
                {
                    firstTimestamp = timestamp;
                }

                if (timestamp > maxTimestamp)
                {
                    maxTimestamp = timestamp;
                    offsetOfMaxTimestamp = last;
                }

                records += (int)(last - next + 1);
                next = last + 1;
                position += batch.Length;
            }

            if (position == 0)
            {
                throw new LogException(ErrorCode.CorruptMessage, "Append of no batches.");
            }

            try
            {
                var segment = _segments[^1];
                if (segment.ShouldRoll(span.Length, firstTimestamp, next - 1, now, config))
                {
                    segment = Roll(now);
                }

                segment.Append(span);
            }
            catch (IOException e)
            {
                _logger.AppendFailed(Directory, e);
                throw GoOffline("write", e);
            }

            if (firstProducerBatch is { } appended)
            {
                _producerState.Apply(appended);
                foreach (var more in moreProducerBatches ?? [])
                {
                    _producerState.Apply(more);
                }
            }

            foreach (var marker in markers ?? [])
            {
                ApplyMarker(span[marker..], persist: true);
            }

            _producerState.MapEndOffset = next;
            Volatile.Write(ref _firstUnstableOffset, _producerState.FirstUnstableOffset);
            Volatile.Write(ref _logEndOffset, next);
            Interlocked.Add(ref _unflushedMessages, records);
            info = new LogAppendInfo(first, next - 1, logAppendTime, maxTimestamp, offsetOfMaxTimestamp, records, span.Length, _logStartOffset);
        }

        if (config.WriteCaching)
        {
            AdvanceHighWatermark(info.LastOffset + 1);
        }
        else
        {
            _groupCommit.Appended(info.Bytes);
        }

        if (_unflushedMessages >= config.FlushMessages || NowMs - _lastFlushMs >= config.FlushMs)
        {
            Flush();
        }

        return info;
    }

    /// <summary>Moves the high watermark (replication); clamped to [log start, log end].</summary>
    public void UpdateHighWatermark(long offset)
        => Volatile.Write(ref _highWatermark, Math.Clamp(offset, LogStartOffset, LogEndOffset));

    /// <summary>fsyncs everything appended so far and moves the recovery point to the log end.</summary>
    public void Flush() => FlushUpTo(LogEndOffset);

    /// <summary>Flushes when flush.ms has passed since the last flush (the log manager calls this periodically).</summary>
    public void FlushIfDue()
    {
        if (!IsOffline && _unflushedMessages > 0 && NowMs - _lastFlushMs >= _config.FlushMs)
        {
            Flush();
        }
    }

    /// <summary>Writes the recovery point checkpoint if it moved since the last write.</summary>
    public void CheckpointRecoveryPoint()
    {
        // An offline log's recovery point is not trusted past the failure: the next start recovers from the last written one.
        if (IsOffline)
        {
            return;
        }

        var point = RecoveryPoint;
        if (point != Interlocked.Exchange(ref _checkpointedRecoveryPoint, point))
        {
            WriteCheckpoint(LogFileNames.RecoveryPointCheckpoint, point);
        }
    }

    /// <summary>Flushes, checkpoints and closes the files (a clean shutdown: the next open recovers nothing).</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        WaitForRollFlush();
        var segments = _segments;
        try
        {
            if (IsOffline)
            {
                // Nothing written after the failure: the restart recovers from the last checkpoints.
                return;
            }

            segments[^1].OnBecomeInactive();
            Flush();
            CheckpointRecoveryPoint();
            WriteCheckpoint(LogFileNames.LogStartOffsetCheckpoint, LogStartOffset);
            WriteProducerSnapshot(LogEndOffset, _producerState.Serialize());
        }
        catch (IOException e)
        {
            // The final index write failed: the same as any failed write (logged there); the files still close.
            GoOffline("write", e);
        }
        catch (StorageException) when (IsOffline)
        {
            // The flush failed and took the log offline (logged once there); the files still close, and the
            // restart recovers from the checkpoints written before the failure.
        }
        finally
        {
            _groupCommit.Fail(new ObjectDisposedException(Directory, "The log was closed."));
            CloseFiles(segments);
        }
    }

    public void Dispose() => Close();

    private static Span<byte> NextBatch(Span<byte> span, int position, LogConfig config)
    {
        var remaining = span.Length - position;
        if (remaining < RecordBatchHeader.Size)
        {
            throw new LogException(ErrorCode.CorruptMessage, $"{remaining} bytes at position {position} are not a whole batch.");
        }

        var size = RecordBatchHeader.TotalSize(span[position..]);
        if (size < RecordBatchHeader.Size || size > remaining)
        {
            throw new LogException(ErrorCode.CorruptMessage, $"Batch at position {position} claims {size} bytes; {remaining} remain.");
        }

        if (size > config.MaxMessageBytes)
        {
            throw new LogException(ErrorCode.MessageTooLarge, $"Batch of {size} bytes exceeds max.message.bytes {config.MaxMessageBytes}.");
        }

        if (size > config.SegmentBytes)
        {
            throw new LogException(ErrorCode.RecordListTooLarge, $"Batch of {size} bytes exceeds segment.bytes {config.SegmentBytes}.");
        }

        return span.Slice(position, size);
    }

    /// <summary>Starts a new segment at the log end; the old one is flushed in the background (Kafka's flush on roll).</summary>
    private LogSegment Roll(long nowMs)
    {
        var segments = _segments;
        var previous = segments[^1];
        var next = _logEndOffset;
        previous.OnBecomeInactive();
        var segment = LogSegment.Create(_fs, Directory, next, _config, nowMs);
        _directoryChanged = true;
        _segments = [.. segments, segment];
        _logger.Rolled(Directory, next);
        var snapshot = _producerState.Serialize();
        var prior = _rollFlush;
        _rollFlush = Task.Run(async () =>
        {
            await prior.ConfigureAwait(false);
            try
            {
                FlushUpTo(next);
                WriteProducerSnapshot(next, snapshot);
            }
            catch (StorageException)
            {
                // Logged by FlushUpTo; the recovery point simply stays behind, and the older snapshot serves.
            }
        });
        return segment;
    }

    /// <summary>
    /// fsyncs the segments (log and indexes) holding offsets in [recovery point, <paramref name="offset"/>)
    /// and moves the recovery point there. A segment that retention deleted during the flush is skipped
    /// (its records are gone), but only that one: every other segment of the range is still flushed
    /// before the recovery point moves over it.
    /// </summary>
    private void FlushUpTo(long offset)
    {
        lock (_flushLock)
        {
            ThrowIfOffline();
            var from = RecoveryPoint;
            if (offset <= from)
            {
                return;
            }

            var unflushed = Interlocked.Exchange(ref _unflushedMessages, 0);
            var segments = _segments;
            foreach (var segment in segments)
            {
                try
                {
                    if (segment.BaseOffset < offset && (segment == segments[^1] || segment.NextOffset > from))
                    {
                        segment.Flush();
                    }
                }
                catch (ObjectDisposedException) when (!_closed && Array.IndexOf(_segments, segment) < 0)
                {
                    // Deleted by retention while flushing: nothing left to make durable in this one.
                }
                catch (IOException e)
                {
                    Interlocked.Add(ref _unflushedMessages, unflushed);
                    _logger.FlushFailed(Directory, e);
                    throw GoOffline("fsync", e);
                }
            }

            SyncDirectoryIfChanged();
            _lastFlushMs = NowMs;
            Volatile.Write(ref _recoveryPoint, Math.Max(from, offset));
            if (offset > DurableOffset)
            {
                Volatile.Write(ref _durableOffset, offset);
            }
        }

        AdvanceHighWatermark(offset);
    }

    internal void WaitForRollFlush()
    {
        try
        {
            _rollFlush.Wait();
        }
        catch (AggregateException)
        {
            // Already logged; a clean close flushes again below.
        }
    }

    private void WriteCheckpoint(string name, long offset)
    {
        try
        {
            OffsetCheckpointFile.Write(_fs, Path.Combine(Directory, name), Topic, Partition, offset);
        }
        catch (IOException e)
        {
            throw new StorageException($"Writing {name} of {Directory} failed: {e.Message}", e);
        }
    }

    private void CloseFiles(LogSegment[] segments)
    {
        foreach (var segment in segments)
        {
            segment.Dispose();
        }

        lock (_lock)
        {
            foreach (var (segment, _) in _retired)
            {
                segment.Dispose();
            }

            _retired.Clear();
        }
    }
}
