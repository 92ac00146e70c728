using System.Globalization;
using Microsoft.Extensions.Logging;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage;

/// <summary>
/// The log of one partition: a directory <c>&lt;topic&gt;-&lt;partition&gt;</c> of segments. It holds the
/// append lock and the public API, and coordinates collaborators that own their state: the
/// <see cref="SegmentList"/> (segments, roll, lookup, retired segments), the <see cref="LogFlusher"/> (what is
/// fsynced), the <see cref="HighWatermarkState"/>, the producer state (<see cref="ProducerStateManager"/>,
/// <see cref="ProducerSnapshots"/>), the <see cref="TransactionState"/> (open and aborted transactions, the
/// <c>.txnindex</c> files), the <see cref="LeaderEpochCache"/> and <see cref="GroupCommit"/>; a
/// <see cref="LogLoader"/> opens the directory. Appends are serialized by the lock; reads take no lock (they
/// work on a snapshot of the segment list and only see bytes whose append completed).
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly IStorageFileSystem _fs;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private volatile LogConfig _config;
    private readonly SegmentList _segments;
    private long _logEndOffset;
    private long _logStartOffset;
    private readonly HighWatermarkState _highWatermark;
    private readonly LogFlusher _flusher;
    private readonly GroupCommit _groupCommit;
    private readonly TransactionState _transactions;
    private readonly ProducerSnapshots _snapshots;
    private readonly LeaderEpochCache _epochs;
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
        _groupCommit = new GroupCommit(this, time);
        _transactions = new TransactionState(_producerState);
        _snapshots = new ProducerSnapshots(fs, directory, logger);
        _segments = new SegmentList(fs, directory, logger);
        _highWatermark = new HighWatermarkState(() => ReadableChanged?.Invoke());
        _flusher = new LogFlusher(_segments, () => _closed, time);
        _epochs = new LeaderEpochCache(fs, directory);
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

    /// <summary>
    /// What the <c>replication-offset-checkpoint</c> keeps for this log: its high watermark once replication
    /// started, the one restored at start until then (so a checkpoint written before the roles arrive does not
    /// raise it to the log end), null for a log that was never replicated.
    /// </summary>
    internal long? HighWatermarkToCheckpoint => _highWatermark.ToCheckpoint(LogStartOffset, LogEndOffset);

    /// <summary>The newest leader epoch in the log (or assigned at the log end by a new leader), -1 for none.</summary>
    public int LatestEpoch => _epochs.LatestEpoch;

    /// <summary>The epoch start offsets, oldest first (the <c>leader-epoch-checkpoint</c>).</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> EpochEntries => _epochs.Entries;

    /// <summary>Offsets below this are on stable storage (fsynced); recovery scans only from here.</summary>
    public long RecoveryPoint => _flusher.RecoveryPoint;

    public int SegmentCount => _segments.Count;

    /// <summary>Bytes in all segments.</summary>
    public long Size => _segments.Size;

    internal LogSegment[] Segments => _segments.All;

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
            ThrowIfOffline();
            AssignEpoch(epoch, _logEndOffset);
        }
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
            throw GoOffline("write", e);
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
    public void Flush() => FlushUpTo(LogEndOffset);

    /// <summary>Flushes when flush.ms has passed since the last flush (the log manager calls this periodically).</summary>
    public void FlushIfDue()
    {
        if (!IsOffline && _flusher.UnflushedMessages > 0 && _flusher.FlushDue(_config))
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

        if (_flusher.RecoveryPointToCheckpoint() is { } point)
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
            WriteCheckpoint(LogFileNames.LogStartOffsetCheckpoint, LogStartOffset);
            _snapshots.Write(LogEndOffset, _producerState.Serialize());
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
            _segments.CloseAll();
        }
    }

    public void Dispose() => Close();

    /// <summary>Starts a new segment at the log end; the old one is flushed in the background (Kafka's flush on roll).</summary>
    private LogSegment Roll(long nowMs)
    {
        var next = _logEndOffset;
        var segment = _segments.Roll(next, _config, nowMs);
        _logger.Rolled(Directory, next);
        var snapshot = _producerState.Serialize();
        var prior = _rollFlush;
        _rollFlush = Task.Run(async () =>
        {
            await prior.ConfigureAwait(false);
            try
            {
                FlushUpTo(next);
                _snapshots.Write(next, snapshot);
            }
            catch (StorageException)
            {
                // Logged by FlushUpTo; the recovery point simply stays behind, and the older snapshot serves.
            }
        });
        return segment;
    }

    /// <summary>fsyncs the segments holding offsets in [recovery point, <paramref name="offset"/>) and moves the recovery point there (see <see cref="LogFlusher.FlushUpTo"/>).</summary>
    private void FlushUpTo(long offset)
    {
        lock (_flusher.SyncLock)
        {
            ThrowIfOffline();
            try
            {
                if (!_flusher.FlushUpTo(offset))
                {
                    return;
                }
            }
            catch (IOException e)
            {
                _logger.FlushFailed(Directory, e);
                throw GoOffline("fsync", e);
            }
        }

        _highWatermark.Advance(offset, LogEndOffset);
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
}
