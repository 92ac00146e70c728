using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// The log of one partition: a directory <c>&lt;topic&gt;-&lt;partition&gt;</c> of segments. It holds the append
/// lock and the entry points, and delegates to collaborators that own their state: the <see cref="SegmentList"/>
/// (segments, roll, lookup, retired segments), the <see cref="LogOffsets"/> (log start and end), the
/// <see cref="LogFlusher"/> (what is fsynced, the recovery point), <see cref="GroupCommit"/> (durable acks), the
/// <see cref="HighWatermarkState"/>, the <see cref="LogStatus"/> (closed, offline), the producer state
/// (<see cref="ProducerStateManager"/>, <see cref="ProducerSnapshots"/>), the <see cref="TransactionState"/> and
/// the <see cref="LeaderEpochCache"/>; a <see cref="LogLoader"/> opens the directory and a
/// <see cref="PreparedAppend"/> checks each append before it is written. Changes are serialized by the lock;
/// reads take no lock (they work on a snapshot of the segment list and only see bytes whose append completed).
/// </summary>
public sealed class PartitionLog : IDisposable
{
    /// <summary>ListOffsets' special timestamp for the log start offset.</summary>
    public const long EarliestTimestamp = -2;

    /// <summary>ListOffsets' special timestamp for the log end offset.</summary>
    public const long LatestTimestamp = -1;

    /// <summary>ListOffsets' special timestamp for the record with the largest timestamp.</summary>
    public const long MaxTimestampQuery = -3;

    /// <summary>Suffix of a partition directory being deleted; removed at start-up if found.</summary>
    public const string DeleteDirectorySuffix = "-delete";

    private readonly IStorageFileSystem _fs;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly LogStatus _status;
    private readonly LogCheckpoints _checkpoints;
    private readonly LogOffsets _offsets;
    private readonly SegmentList _segments;
    private readonly HighWatermarkState _highWatermark;
    private readonly LogFlusher _flusher;
    private readonly GroupCommit _groupCommit;
    private readonly ProducerStateManager _producerState = new();
    private readonly TransactionState _transactions;
    private readonly ProducerSnapshots _snapshots;
    private readonly LeaderEpochCache _epochs;
    private readonly LogRetention _retention;
    private volatile LogConfig _config;

    private PartitionLog(string directory, string topic, int partition, LogConfig config, IStorageFileSystem fs, ILogger logger, TimeProvider time)
    {
        Directory = directory;
        Topic = topic;
        Partition = partition;
        _config = config;
        _fs = fs;
        _logger = logger;
        _time = time;
        _status = new LogStatus(directory, logger, WentOffline);
        _checkpoints = new LogCheckpoints(fs, directory, topic, partition);
        _offsets = new LogOffsets(_checkpoints);
        _segments = new SegmentList(fs, directory, logger);
        _highWatermark = new HighWatermarkState(() => ReadableChanged?.Invoke());
        _flusher = new LogFlusher(_segments, _offsets, _highWatermark, _status, _checkpoints, directory, logger, time);
        _groupCommit = new GroupCommit(_flusher, _offsets, time);
        _transactions = new TransactionState(_producerState);
        _snapshots = new ProducerSnapshots(fs, directory, logger);
        _epochs = new LeaderEpochCache(fs, directory);
        _retention = new LogRetention(_segments, _offsets, _highWatermark, _status, _lock, () => _config, Roll, directory, logger);
    }

    /// <summary>
    /// Raised, outside the log's locks, when what readers may see changed: the high watermark moved or
    /// the log went offline (the broker wakes waiting fetches with it).
    /// </summary>
    public event Action? ReadableChanged;

    public string Directory { get; }

    public string Topic { get; }

    public int Partition { get; }

    public LogConfig Config => _config;

    /// <summary>The offset the next record will get.</summary>
    public long LogEndOffset => _offsets.End;

    /// <summary>The first offset readable (moved by retention and DeleteRecords).</summary>
    public long LogStartOffset => _offsets.Start;

    /// <summary>
    /// Offsets below this are readable by consumers: the log end offset with write.caching=true, the
    /// <see cref="DurableOffset"/> with write.caching=false, and never past the
    /// <see cref="ReplicatedHighWatermark"/> (what the whole ISR holds).
    /// </summary>
    public long HighWatermark => _highWatermark.Value;

    /// <summary>The replication layer's high watermark (the smallest log end offset of the ISR); unbounded for an unreplicated log.</summary>
    public long ReplicatedHighWatermark => _highWatermark.Replicated;

    /// <summary>
    /// Where a replication role starts the replicated high watermark: once replication set one since the log
    /// was opened, that one (the log end while the log led alone); before, the one the data directory's
    /// <c>replication-offset-checkpoint</c> held at start (as a restarted Kafka replica does), else the log start
    /// offset. Always within [log start, log end].
    /// </summary>
    public long StartingHighWatermark => _highWatermark.Starting(LogStartOffset, LogEndOffset);

    /// <summary>What the <c>replication-offset-checkpoint</c> keeps for this log (see <see cref="HighWatermarkState.ToCheckpoint"/>); null for a log never replicated.</summary>
    internal long? HighWatermarkToCheckpoint => _highWatermark.ToCheckpoint(LogStartOffset, LogEndOffset);

    /// <summary>Offsets below this are readable by read_committed consumers.</summary>
    public long LastStableOffset => _transactions.LastStableOffset(HighWatermark, LogStartOffset);

    /// <summary>Offsets below this are fsynced (the <c>.log</c> files; indexes follow at the recovery point).</summary>
    public long DurableOffset => _flusher.DurableOffset;

    /// <summary>Offsets below this are on stable storage (fsynced); recovery scans only from here.</summary>
    public long RecoveryPoint => _flusher.RecoveryPoint;

    /// <summary>The newest leader epoch in the log (or assigned at the log end by a new leader), -1 for none.</summary>
    public int LatestEpoch => _epochs.LatestEpoch;

    /// <summary>The epoch start offsets, oldest first (the <c>leader-epoch-checkpoint</c>).</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> EpochEntries => _epochs.Entries;

    /// <summary>True after an I/O error: every operation throws <see cref="StorageException"/> until a restart.</summary>
    public bool IsOffline => _status.IsOffline;

    /// <summary>The error that took the log offline, or null.</summary>
    public StorageException? OfflineCause => _status.OfflineCause;

    public int SegmentCount => _segments.Count;

    /// <summary>Bytes in all segments.</summary>
    public long Size => _segments.Size;

    internal LogSegment[] Segments => _segments.All;

    /// <summary>The offset below which the log is already clean (persisted per partition).</summary>
    internal long CleanerCheckpoint => _checkpoints.Read(LogFileNames.CleanerCheckpoint) ?? 0;

    internal long NowMilliseconds => _time.GetUtcNow().ToUnixTimeMilliseconds();

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

    /// <summary>
    /// Appends validated batches: assigns offsets by rewriting each base offset in place, stamps the
    /// leader epoch, and for LogAppendTime topics the broker time (and CRC). One write per call.
    /// Batches with a producer id are checked against the producer state first (see
    /// <see cref="ProducerStateManager"/>): a refused batch throws a <see cref="LogException"/> with
    /// Kafka's error and writes nothing; a retry of a recent batch writes nothing and returns the
    /// original offsets with <see cref="LogAppendInfo.IsDuplicate"/> set.
    /// On an I/O error nothing becomes visible, the log goes offline and a <see cref="StorageException"/> is thrown.
    /// With write.caching=false the high watermark moves only once a group commit has fsynced the
    /// batches (see <see cref="WaitForDurableAsync"/>).
    /// </summary>
    public LogAppendInfo Append(Memory<byte> batches, int leaderEpoch)
    {
        var span = batches.Span;
        var config = _config;
        LogAppendInfo info;
        lock (_lock)
        {
            _status.ThrowIfUnusable();
            var now = NowMilliseconds;
            var logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? now : -1;
            var append = PreparedAppend.ForLeader(span, _offsets.End, leaderEpoch, logAppendTime, config, _producerState, _transactions);
            if (append.IsDuplicate)
            {
                return DuplicateInfo(append.Duplicate, config);
            }

            // Before the write: the checkpoint must never be behind the log (a new epoch's first batch).
            AssignEpoch(leaderEpoch, append.FirstOffset);
            info = WriteAndApply(span, append, logAppendTime, now, config);
        }

        return Appended(info, config);
    }

    /// <summary>
    /// A follower's append of batches fetched from the leader: they keep the leader's offsets, epochs,
    /// timestamps and producer ids; the first must start at the log end and each follow the previous,
    /// and the producer state, transactions and epoch cache are updated as on the leader (unchecked: the
    /// leader checked them). A batch that does not fit throws a <see cref="LogException"/> and nothing is written.
    /// </summary>
    public LogAppendInfo AppendAsFollower(Memory<byte> batches)
    {
        var span = batches.Span;
        var config = _config;
        LogAppendInfo info;
        lock (_lock)
        {
            _status.ThrowIfUnusable();
            var append = PreparedAppend.ForFollower(span, _offsets.End, _epochs.LatestEpoch, config, out var newEpochs);
            foreach (var (epoch, startOffset) in newEpochs ?? [])
            {
                AssignEpoch(epoch, startOffset);
            }

            info = WriteAndApply(span, append, -1, NowMilliseconds, config);
        }

        return Appended(info, config);
    }

    /// <summary>
    /// Appends a COMMIT or ABORT marker for <paramref name="producerId"/>, ending its transaction on this
    /// partition. An epoch older than the producer's is refused with INVALID_PRODUCER_EPOCH.
    /// </summary>
    public LogAppendInfo AppendMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, int leaderEpoch)
    {
        var writer = new ArrayBufferWriter<byte>(96);
        ControlRecord.WriteEndTransactionMarkerBatch(writer, commit ? ControlRecordType.Commit : ControlRecordType.Abort, producerId, producerEpoch, coordinatorEpoch, NowMilliseconds);
        return Append(writer.WrittenSpan.ToArray(), leaderEpoch);
    }

    /// <summary>
    /// Completes once every offset below <paramref name="endOffset"/> is fsynced, sharing one fsync with
    /// every other waiter of the partition (group commit). Faults with a <see cref="StorageException"/>
    /// if the log goes offline first.
    /// </summary>
    public Task WaitForDurableAsync(long endOffset) => _groupCommit.WaitAsync(endOffset);

    /// <summary>
    /// A consumer waits at the high watermark (a Fetch found nothing to read). With write.caching=false the
    /// records it waits for become readable with the next fsync, so that one starts now rather than being
    /// deferred, and so do those of appends in the next second.
    /// </summary>
    public void ReaderAtHighWatermark()
    {
        if (!_config.WriteCaching)
        {
            _groupCommit.ReaderAtTail();
        }
    }

    /// <summary>
    /// Reads from the batch holding <paramref name="startOffset"/>: at most <paramref name="maxBytes"/> (the
    /// last batch may be cut, as Kafka does; with <paramref name="minOneBatch"/> the first batch is whole
    /// even if larger), never reaching the batch that holds <paramref name="maxOffsetExclusive"/>.
    /// The records are a slice of a segment file, read only when copied.
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">startOffset is below the log start or past the log end.</exception>
    /// <exception cref="StorageException">The log is offline, or this read failed (which takes it offline).</exception>
    public LogReadResult Read(long startOffset, int maxBytes, long maxOffsetExclusive = long.MaxValue, bool minOneBatch = true)
    {
        _status.ThrowIfOffline();
        // The end first: segments published by a roll are always at least as new as the end offset read.
        var highWatermark = HighWatermark;
        var logEndOffset = LogEndOffset;
        var logStartOffset = LogStartOffset;
        var segments = _segments.All;
        if (startOffset < logStartOffset || startOffset > logEndOffset)
        {
            throw new OffsetOutOfRangeException(startOffset, logStartOffset, logEndOffset);
        }

        var limit = Math.Min(maxOffsetExclusive, logEndOffset);
        if (startOffset < limit)
        {
            try
            {
                for (var i = SegmentList.IndexHolding(segments, startOffset); i < segments.Length; i++)
                {
                    if (segments[i].Read(startOffset, maxBytes, limit, minOneBatch) is { } records)
                    {
                        return new LogReadResult(records, highWatermark, logStartOffset, logEndOffset);
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The segment was deleted under the read (file.delete.delay.ms = 0): the offset is gone.
                throw new OffsetOutOfRangeException(startOffset, LogStartOffset, LogEndOffset);
            }
            catch (IOException e)
            {
                throw _status.GoOffline("read", e);
            }
        }

        return new LogReadResult(MemoryRecords.Empty, highWatermark, logStartOffset, logEndOffset);
    }

    /// <summary>ListOffsets: the first offset with a timestamp at or after <paramref name="timestamp"/>, via the time index; null if none.</summary>
    public (long Offset, long Timestamp)? FetchOffsetByTimestamp(long timestamp)
    {
        _status.ThrowIfOffline();
        return TimestampSearch.FindOffsetByTimestamp(_segments.All, timestamp, LogStartOffset);
    }

    /// <summary>ListOffsets' <see cref="MaxTimestampQuery"/>: the offset and timestamp of the record with the largest timestamp; null for an empty log.</summary>
    public (long Offset, long Timestamp)? FetchMaxTimestampOffset()
    {
        _status.ThrowIfOffline();
        return TimestampSearch.FindMaxTimestamp(_segments.All);
    }

    /// <summary>The aborted transactions overlapping [<paramref name="from"/>, <paramref name="upTo"/>), oldest first.</summary>
    public IReadOnlyList<AbortedTransaction> GetAbortedTransactions(long from, long upTo)
    {
        lock (_lock)
        {
            return _transactions.GetAborted(from, upTo, LogStartOffset);
        }
    }

    /// <summary>A copy of one producer's state, or null.</summary>
    public ProducerStateEntry? GetProducerState(long producerId)
    {
        lock (_lock)
        {
            return _producerState.Get(producerId)?.Clone();
        }
    }

    /// <summary>Copies of every producer's state (DescribeProducers, tools, tests).</summary>
    public IReadOnlyList<ProducerStateEntry> GetProducers()
    {
        lock (_lock)
        {
            return [.. _producerState.Producers.Select(p => p.Clone())];
        }
    }

    /// <summary>
    /// Forgets producers idle longer than <paramref name="expirationMs"/>; returns how many went. Retention and
    /// DeleteRecords leave the producer state alone (Kafka 2.5+): producers go only by producer.id.expiration.ms.
    /// </summary>
    public int RemoveExpiredProducers(long nowMs, long expirationMs)
    {
        lock (_lock)
        {
            return _status.IsClosed ? 0 : _producerState.RemoveExpired(nowMs, expirationMs);
        }
    }

    /// <summary>
    /// Sets the replication layer's high watermark (a leader's from its ISR, a follower's from the leader):
    /// what consumers may read is capped by it. It may go back only when leadership changes hands
    /// (a new leader starts from its own). Wakes readers if what they may read moved.
    /// </summary>
    public void SetReplicatedHighWatermark(long offset) => _highWatermark.SetReplicated(offset);

    /// <summary>The high watermark the data directory's <c>replication-offset-checkpoint</c> held for this log at start.</summary>
    internal void RestoreHighWatermark(long offset) => _highWatermark.Restore(offset);

    /// <summary>A new leader records that <paramref name="epoch"/> starts at its log end (Kafka does so on becoming leader).</summary>
    public void AssignEpochAtLogEnd(int epoch)
    {
        lock (_lock)
        {
            _status.ThrowIfOffline();
            AssignEpoch(epoch, _offsets.End);
        }
    }

    /// <summary>
    /// OffsetForLeaderEpoch: the largest epoch at or below <paramref name="epoch"/> this log has, and the
    /// offset where the epoch after it starts (the log end for the latest); (-1, -1) if unknown.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int epoch) => _epochs.EndOffsetFor(epoch, LogEndOffset);

    /// <summary>Applies a changed topic config (AlterConfigs); segment sizes apply from the next roll.</summary>
    public void UpdateConfig(LogConfig config) => _config = config;

    /// <summary>fsyncs everything appended so far and moves the recovery point to the log end.</summary>
    public void Flush() => _flusher.Flush(LogEndOffset);

    /// <summary>Flushes when flush.messages or flush.ms says so (the log manager calls this periodically).</summary>
    public void FlushIfDue() => _flusher.FlushIfDue(_config);

    /// <summary>Writes the recovery point checkpoint if it moved since the last write.</summary>
    public void CheckpointRecoveryPoint() => _flusher.CheckpointRecoveryPoint();

    /// <summary>
    /// Deletes whole segments from the start of the log: by retention.ms (a segment's largest timestamp)
    /// and retention.bytes when cleanup.policy has delete, and always those wholly below the log start
    /// offset. Only segments below the high watermark go; an expired, non-empty active segment is rolled
    /// first. Also deletes the files of removed segments whose file.delete.delay.ms passed.
    /// Returns the number of segments removed.
    /// </summary>
    public int ApplyRetention(long nowMs) => _retention.Apply(nowMs);

    /// <summary>
    /// DeleteRecords: moves the log start offset up to <paramref name="offset"/> (-1: the high watermark),
    /// persists it and deletes the segments wholly below it. Returns the new log start offset (low watermark).
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">The offset is past the high watermark.</exception>
    public long DeleteRecordsBefore(long offset) => _retention.DeleteRecordsBefore(offset, NowMilliseconds);

    /// <summary>
    /// A follower follows its leader's log start offset (Kafka's maybeIncrementLogStartOffset on fetch): its own
    /// moves up to <paramref name="leaderLogStartOffset"/> (never past its log end), is persisted, and the
    /// segments wholly below it are deleted, so DeleteRecords and retention on the leader hold on every replica.
    /// Segments not yet below the high watermark go at a later call (each fetch makes one) or retention pass.
    /// </summary>
    public void FollowLeaderLogStartOffset(long leaderLogStartOffset) => _retention.FollowLeaderLogStartOffset(leaderLogStartOffset, NowMilliseconds);

    /// <summary>Deletes the files of removed segments once file.delete.delay.ms has passed.</summary>
    public void DeleteRetiredSegments(long nowMs) => _retention.DeleteRetired(nowMs);

    /// <summary>
    /// A follower cuts its log to its leader's history: every batch at or after <paramref name="offset"/>
    /// goes (a batch straddling it too), with the segments, indexes, transaction indexes, producer state
    /// (reloaded from the newest snapshot below the cut and the batches after it) and leader epochs that
    /// covered them. An offset at or below the first segment's base empties the log, which then starts
    /// at <paramref name="offset"/>. Returns the new log end offset.
    /// </summary>
    public long TruncateTo(long offset) => Truncate(offset, fully: false);

    /// <summary>
    /// A follower whose log ends before the leader's log start: everything goes, and the log starts again,
    /// empty, at <paramref name="offset"/> (the leader's log start offset).
    /// </summary>
    public void TruncateFullyAndStartAt(long offset) => Truncate(offset, fully: true);

    /// <summary>Flushes, checkpoints and closes the files (a clean shutdown: the next open recovers nothing).</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (!_status.Close())
            {
                return;
            }
        }

        _flusher.WaitForRollFlush();
        try
        {
            if (IsOffline)
            {
                // Nothing written after the failure: the restart recovers from the last checkpoints.
                return;
            }

            _segments.Active.OnBecomeInactive();
            Flush();
            CheckpointRecoveryPoint();
            _offsets.CheckpointStart();
            _snapshots.Write(LogEndOffset, _producerState.Serialize());
        }
        catch (IOException e)
        {
            // The final index write failed: the same as any failed write (logged there); the files still close.
            _status.GoOffline("write", e);
        }
        catch (StorageException) when (IsOffline)
        {
            // The flush failed and took the log offline (logged once there); the files still close, and the
            // restart recovers from the checkpoints written before the failure.
        }
        finally
        {
            _groupCommit.Fail(new ObjectDisposedException(Directory, "The log was closed."));
            _segments.CloseAll();
        }
    }

    public void Dispose() => Close();

    /// <summary>
    /// Deletes the partition's files (topic deletion), nothing flushed. Like Kafka, the directory is first
    /// renamed to <c>...-delete</c>, so a crash half-way never leaves a partial log that would be reopened.
    /// </summary>
    public void Delete()
    {
        lock (_lock)
        {
            _status.Close();
        }

        _flusher.WaitForRollFlush();
        _segments.CloseAll();
        try
        {
            var doomed = $"{Path.TrimEndingDirectorySeparator(Directory)}.{Guid.NewGuid():N}{DeleteDirectorySuffix}";
            _fs.RenameDirectory(Directory, doomed);
            _fs.DeleteDirectory(doomed);
        }
        catch (IOException e)
        {
            throw new StorageException($"Deleting {Directory} failed: {e.Message}", e);
        }
    }

    /// <summary>Waits for the background flushes of earlier rolls.</summary>
    internal void WaitForRollFlush() => _flusher.WaitForRollFlush();

    /// <summary>The cleaner's progress: everything below <paramref name="offset"/> is clean.</summary>
    internal void WriteCleanerCheckpoint(long offset) => _checkpoints.Write(LogFileNames.CleanerCheckpoint, offset);

    /// <summary>A new, empty <c>.cleaned</c> segment to copy kept batches into.</summary>
    internal LogSegment CreateCleanedSegment(long baseOffset) => _segments.CreateCleaned(baseOffset, _config, NowMilliseconds);

    /// <summary>
    /// Swaps a cleaned segment in for <paramref name="replaced"/> (see <see cref="SegmentList.Replace"/>): the
    /// cleaner copies without the lock and swaps under it. Returns false (and discards the cleaned segment)
    /// if the log changed meanwhile, e.g. retention removed a segment.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> replaced, LogSegment cleaned)
    {
        cleaned.OnBecomeInactive();
        cleaned.Flush();
        lock (_lock)
        {
            if (_status.IsClosed || IsOffline || !_segments.Replace(replaced, cleaned, NowMilliseconds, _config.FileDeleteDelayMs))
            {
                cleaned.Delete();
                return false;
            }

            return true;
        }
    }

    /// <summary>
    /// Opens the segments (<see cref="LogLoader"/>: leftovers removed, swaps completed, unflushed segments
    /// rescanned), then rebuilds the producer state, transactions and leader epochs from them; a recovered log
    /// is flushed before its recovery point is checkpointed.
    /// </summary>
    private void Load()
    {
        var stopwatch = Stopwatch.StartNew();
        var loaded = new LogLoader(_fs, Directory, _config, _logger, NowMilliseconds).Load();
        var segments = loaded.Segments;
        var logEndOffset = segments[^1].NextOffset;
        _segments.Load(segments, loaded.CreatedSegment);
        _offsets.Load(loaded.LogStartOffset, logEndOffset);
        _highWatermark.Load(logEndOffset);
        _flusher.Load(loaded.RecoveryPoint, loaded.CheckpointedRecoveryPoint);
        _snapshots.Rebuild(_producerState, _transactions, _segments, logEndOffset);
        _epochs.Load(segments, logEndOffset);
        if (loaded.Recovered)
        {
            // Make the recovered state (cut tails, rebuilt indexes) durable before trusting it as a recovery point.
            Flush();
        }

        CheckpointRecoveryPoint();
        _logger.LogLoaded(Directory, segments.Length, loaded.LogStartOffset, logEndOffset, stopwatch.ElapsedMilliseconds);
    }

    /// <summary>
    /// Writes checked batches (rolling first if they do not belong in the active segment) and applies them;
    /// caller holds the lock. An I/O error, of the write or of a transaction index, takes the log offline: an
    /// index entry not swallowed, since a roll would soon write a producer snapshot past its marker, and the
    /// restart's replay, which starts at that snapshot, would never restore it.
    /// </summary>
    private LogAppendInfo WriteAndApply(ReadOnlySpan<byte> span, in PreparedAppend append, long logAppendTime, long now, LogConfig config)
    {
        try
        {
            var segment = _segments.Active;
            if (segment.ShouldRoll(span.Length, append.FirstTimestamp, append.NextOffset - 1, now, config))
            {
                segment = Roll(now);
            }

            segment.Append(span);
            append.ApplyTo(span, _producerState, _transactions, _segments);
        }
        catch (IOException e)
        {
            _logger.AppendFailed(Directory, e);
            throw _status.GoOffline("write", e);
        }

        _offsets.SetEnd(append.NextOffset);
        _flusher.Appended(append.Records);
        return new LogAppendInfo(append.FirstOffset, append.NextOffset - 1, logAppendTime, append.MaxTimestamp, append.OffsetOfMaxTimestamp, append.Records, span.Length, LogStartOffset);
    }

    /// <summary>After the lock: the high watermark moves now (write.caching=true) or at the group commit's fsync, and flush.messages/flush.ms apply.</summary>
    private LogAppendInfo Appended(LogAppendInfo info, LogConfig config)
    {
        if (config.WriteCaching)
        {
            _highWatermark.Advance(info.LastOffset + 1, LogEndOffset);
        }
        else
        {
            _groupCommit.Appended(info.Bytes);
        }

        _flusher.FlushIfDue(config);
        return info;
    }

    /// <summary>The answer to a retry: the original batch's offsets, nothing written.</summary>
    private LogAppendInfo DuplicateInfo(in BatchMetadata duplicate, LogConfig config)
    {
        var logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? duplicate.Timestamp : -1;
        return new LogAppendInfo(duplicate.FirstOffset, duplicate.LastOffset, logAppendTime, duplicate.Timestamp, duplicate.LastOffset, 0, 0, LogStartOffset, IsDuplicate: true);
    }

    /// <summary>Records a new epoch's start offset (caller holds the lock); a failed checkpoint write takes the log offline.</summary>
    private void AssignEpoch(int epoch, long startOffset)
    {
        try
        {
            _epochs.Assign(epoch, startOffset);
        }
        catch (IOException e)
        {
            throw _status.GoOffline("write", e);
        }
    }

    /// <summary>
    /// Starts a new segment at the log end; the old one is flushed in the background (Kafka's flush on roll),
    /// then the producer state as of the roll is snapshotted. Caller holds the lock.
    /// </summary>
    private LogSegment Roll(long nowMs)
    {
        var next = _offsets.End;
        var segment = _segments.Roll(next, _config, nowMs);
        _logger.Rolled(Directory, next);
        var snapshot = _producerState.Serialize();
        _flusher.FlushAfterRoll(next, () => _snapshots.Write(next, snapshot));
        return segment;
    }

    private long Truncate(long offset, bool fully)
    {
        lock (_lock)
        {
            _status.ThrowIfUnusable();
            if (offset >= _offsets.End && !fully)
            {
                return _offsets.End;
            }

            // A roll's snapshot must not land past the cut after the producer state is rebuilt.
            _flusher.WaitForRollFlush();
            lock (_flusher.SyncLock)
            {
                try
                {
                    if (_segments.TruncateTo(offset, fully, _config, NowMilliseconds))
                    {
                        _offsets.ResetStart(_segments.Active.BaseOffset);
                    }

                    var end = _segments.Active.NextOffset;
                    _offsets.SetEnd(end);
                    _highWatermark.Truncated(end, fully);
                    _flusher.Truncated(end, fully);
                    _snapshots.Rebuild(_producerState, _transactions, _segments, end);
                    _epochs.TruncateFromEnd(fully ? long.MinValue : end);
                    _logger.LogTruncated(Directory, offset, end);
                    return end;
                }
                catch (IOException e)
                {
                    throw _status.GoOffline("truncate", e);
                }
            }
        }
    }

    /// <summary>Takes the log offline over an error found outside its own calls (a file's background write).</summary>
    internal void GoOffline(string operation, Exception cause) => _status.GoOffline(operation, cause);

    /// <summary>Offline: group commit waiters fail and waiting fetches wake to report it.</summary>
    private void WentOffline(StorageException error)
    {
        _groupCommit.Fail(error);
        ReadableChanged?.Invoke();
    }
}
