using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Owns the data directory: opens every partition log at start (in parallel), creates and deletes
/// logs, and runs the periodic work — retention, flush.ms, delayed file deletes, recovery-point and
/// high-watermark checkpoints and the cleaner. A plain class with Start/Stop; the broker hosts it as a BackgroundService.
/// </summary>
public sealed partial class LogManager : IAsyncDisposable
{
    private readonly LogManagerOptions _options;
    private readonly IStorageFileSystem _fs;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Topic, int Partition), PartitionLog> _logs = new();
    private readonly ConcurrentDictionary<(string Topic, int Partition), string> _offline = new();
    private readonly Lock _createLock = new();
    private readonly Lock _highWatermarkLock = new();
    private Dictionary<(string Topic, int Partition), long> _restoredHighWatermarks = [];
    private Dictionary<(string Topic, int Partition), long>? _checkpointedHighWatermarks;
    private CancellationTokenSource? _stopping;
    private Task[] _loops = [];
    private readonly Action? _unsubscribe;

    public LogManager(LogManagerOptions options, IStorageFileSystem fs, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _fs = options.MaxOpenSegmentFiles > 0 ? new SegmentHandleCache(fs, options.MaxOpenSegmentFiles) : fs;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LogManager>();
        _time = time;
        if (fs is PhysicalFileSystem physical)
        {
            // The file system outlives a manager (tests restart brokers over one): this one's logs only, while it lives.
            physical.BackgroundWriteFailed += BackgroundWriteFailed;
            _unsubscribe = () => physical.BackgroundWriteFailed -= BackgroundWriteFailed;
        }
    }

    /// <summary>A window's appends could not be written in the background: the log holding the file goes offline now.</summary>
    private void BackgroundWriteFailed(string path, Exception error)
    {
        var directory = Path.GetDirectoryName(path);
        foreach (var log in _logs.Values)
        {
            if (log.Directory == directory)
            {
                log.GoOffline("write", error);
            }
        }
    }

    public IReadOnlyCollection<PartitionLog> Logs => [.. _logs.Values];

    /// <summary>Segments of all open logs (each holds a <c>.log</c> file, open unless the handle cache closed it).</summary>
    public long SegmentCount => _logs.Values.Sum(l => (long)l.SegmentCount);

    /// <summary>The file system the logs live on (the broker writes its own metadata files through it too).</summary>
    public IStorageFileSystem FileSystem => _fs;

    /// <summary>Partitions whose directory could not be opened at start, with the reason; they stay offline until a restart.</summary>
    public IReadOnlyDictionary<(string Topic, int Partition), string> OfflineLogs => _offline;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Opens every log under the data directory and starts the background work.</summary>
    public void Start()
    {
        if (_stopping is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        LoadLogs();
        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _loops =
        [
            RunPeriodically("retention", _options.RetentionCheckIntervalMs, () => RunRetention(), token),
            RunPeriodically("flush", _options.FlushCheckIntervalMs, FlushDueLogs, token),
            RunPeriodically("recovery-point-checkpoint", _options.RecoveryPointCheckpointIntervalMs, CheckpointRecoveryPoints, token),
            RunPeriodically("high-watermark-checkpoint", _options.HighWatermarkCheckpointIntervalMs, CheckpointHighWatermarks, token),
            RunPeriodically("producer-expiration", _options.ProducerIdExpirationCheckIntervalMs, () => RemoveExpiredProducers(), token),
            .. StartCleaner(token),
        ];
    }

    /// <summary>Stops the background work, then flushes, checkpoints and closes every log (a clean shutdown).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
            stopping.Dispose();
            _stopping = null;
        }

        // Every log gets its close (flush, checkpoints) even when others fail; the failures come back as one error.
        var failures = new ConcurrentBag<(string Directory, Exception Error)>();
        Parallel.ForEach(_logs.Values, new ParallelOptions { MaxDegreeOfParallelism = _options.RecoveryThreads }, log =>
        {
            try
            {
                log.Close();
                if (log.OfflineCause is { } offline)
                {
                    // Taken offline by an I/O error (now or earlier): closed without writing, so not clean either.
                    failures.Add((log.Directory, offline));
                }
            }
            catch (Exception e) when (e is LogException or IOException or UnauthorizedAccessException)
            {
                _logger.CloseFailed(log.Directory, e);
                failures.Add((log.Directory, e));
            }
        });
        try
        {
            // After the closes, whose last flushes may have moved high watermarks; not again at a second stop (no logs left).
            if (!_logs.IsEmpty)
            {
                CheckpointHighWatermarks();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.MaintenanceFailed("high-watermark-checkpoint", e);
            failures.Add((_options.DataDirectory, e));
        }

        _logs.Clear();
        _unsubscribe?.Invoke();
        if (!failures.IsEmpty)
        {
            var (directory, error) = failures.First();
            throw new StorageException(
                $"{failures.Count} of the logs could not be closed cleanly (they recover at the next start); {directory}: {StorageErrors.Describe(error)}",
                error);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    public PartitionLog? GetLog(string topic, int partition) => _logs.GetValueOrDefault((topic, partition));

    /// <summary>The log of a partition, created (empty) with <paramref name="config"/> if it does not exist.</summary>
    public PartitionLog GetOrCreateLog(string topic, int partition, LogConfig? config = null)
    {
        if (_logs.TryGetValue((topic, partition), out var existing))
        {
            return existing;
        }

        lock (_createLock)
        {
            if (_logs.TryGetValue((topic, partition), out existing))
            {
                return existing;
            }

            var log = OpenLog(PartitionDirectory(topic, partition), config ?? _options.DefaultConfig);
            _logs[(topic, partition)] = log;
            return log;
        }
    }

    /// <summary>
    /// Creates the empty log of a new partition. A directory already there belongs to no known topic (an
    /// orphan, e.g. left by a crash between creating a topic's logs and recording the topic): it is moved
    /// aside, kept for inspection, so its records never surface in the new topic.
    /// </summary>
    public PartitionLog CreateLog(string topic, int partition, LogConfig config)
    {
        lock (_createLock)
        {
            if (_logs.ContainsKey((topic, partition)) || _offline.ContainsKey((topic, partition)))
            {
                throw new InvalidOperationException($"The log of {topic}-{partition} is already open.");
            }

            var directory = PartitionDirectory(topic, partition);
            if (_fs.DirectoryExists(directory))
            {
                var aside = string.Create(CultureInfo.InvariantCulture, $"{directory}.{Guid.NewGuid():N}{OrphanDirectorySuffix}");
                _fs.RenameDirectory(directory, aside);
                _logger.OrphanMovedAside(directory, aside);
            }

            PartitionLog log;
            try
            {
                log = OpenLog(directory, config);
            }
            catch (Exception e) when (e is LogException or IOException or UnauthorizedAccessException)
            {
                // Nothing of a log that never opened stays behind (the caller rolls back the partitions it did get).
                try
                {
                    if (_fs.DirectoryExists(directory))
                    {
                        _fs.DeleteDirectory(directory);
                    }
                }
                catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
                {
                    _logger.DeleteFailed(directory, cleanup);
                }

                throw;
            }

            _logs[(topic, partition)] = log;
            return log;
        }
    }

    /// <summary>The suffix of an orphan partition directory moved aside by <see cref="CreateLog"/> (never opened again).</summary>
    public const string OrphanDirectorySuffix = "-orphan";

    /// <summary>Deletes a partition's log and files (topic deletion); false if there was none.</summary>
    public bool DeleteLog(string topic, int partition)
    {
        if (_offline.TryRemove((topic, partition), out _))
        {
            // Its directory could not be opened, so it is not deleted either: it stays as an orphan, moved aside if the partition is created again.
            return true;
        }

        if (!_logs.TryRemove((topic, partition), out var log))
        {
            return false;
        }

        log.Delete();
        return true;
    }

    /// <summary>Applies retention to every log now (the periodic task calls this).</summary>
    public int RunRetention()
    {
        var now = NowMs;
        var removed = 0;
        foreach (var log in _logs.Values)
        {
            removed += Guard("retention", () => log.ApplyRetention(now));
        }

        return removed;
    }

    /// <summary>Forgets producers idle longer than producer.id.expiration.ms in every log (the periodic task calls this).</summary>
    public int RemoveExpiredProducers()
    {
        var now = NowMs;
        var removed = 0;
        foreach (var log in _logs.Values)
        {
            removed += Guard("producer-expiration", () => log.RemoveExpiredProducers(now, _options.ProducerIdExpirationMs));
        }

        return removed;
    }

    /// <summary>Writes the recovery point of every log that moved (the periodic task calls this).</summary>
    public void CheckpointRecoveryPoints()
    {
        foreach (var log in _logs.Values)
        {
            Guard("recovery-point-checkpoint", () =>
            {
                log.CheckpointRecoveryPoint();
                return 0;
            });
        }
    }

    /// <summary>
    /// Writes the data directory's <c>replication-offset-checkpoint</c> (the periodic task and a clean stop call
    /// this): the high watermark of every replicated log, and the entries read at start of partitions that could
    /// not be opened, so a restart does not lose them. Skipped when nothing changed since the last write.
    /// </summary>
    public void CheckpointHighWatermarks()
    {
        lock (_highWatermarkLock)
        {
            var entries = new Dictionary<(string Topic, int Partition), long>();
            foreach (var (key, offset) in _restoredHighWatermarks)
            {
                if (_offline.ContainsKey(key))
                {
                    entries[key] = offset;
                }
            }

            foreach (var (key, log) in _logs)
            {
                if (log.HighWatermarkToCheckpoint is { } offset)
                {
                    entries[key] = offset;
                }
            }

            // Unchanged (a single node never has an entry, so never writes the file).
            var last = _checkpointedHighWatermarks ?? _restoredHighWatermarks;
            if (last.Count == entries.Count && entries.All(e => last.TryGetValue(e.Key, out var offset) && offset == e.Value))
            {
                return;
            }

            var sorted = entries.OrderBy(e => e.Key.Topic, StringComparer.Ordinal).ThenBy(e => e.Key.Partition).Select(e => (e.Key, e.Value)).ToList();
            OffsetCheckpointFile.WriteAll(_fs, HighWatermarkCheckpointPath, sorted);
            _checkpointedHighWatermarks = entries;
        }
    }

    private string HighWatermarkCheckpointPath => Path.Combine(_options.DataDirectory, LogFileNames.ReplicationOffsetCheckpoint);

    private void FlushDueLogs()
    {
        var now = NowMs;
        foreach (var log in _logs.Values)
        {
            Guard("flush", () =>
            {
                log.FlushIfDue();
                log.DeleteRetiredSegments(now);
                return 0;
            });
        }
    }

    private void LoadLogs()
    {
        var stopwatch = Stopwatch.StartNew();
        var root = _options.DataDirectory;
        if (!_fs.DirectoryExists(root))
        {
            _fs.CreateDirectory(root);
        }

        _restoredHighWatermarks = OffsetCheckpointFile.ReadAll(_fs, HighWatermarkCheckpointPath).ToDictionary(e => e.Key, e => e.Offset);
        var directories = new List<string>();
        foreach (var directory in _fs.ListDirectories(root))
        {
            if (directory.EndsWith(PartitionLog.DeleteDirectorySuffix, StringComparison.Ordinal))
            {
                _fs.DeleteDirectory(directory);
            }
            else if (TryParse(directory, out var topic, out var partition))
            {
                if (_options.IsKnownPartition is { } known && !known(topic, partition))
                {
                    // Left alone (it may be all that is left of data someone wants), but never served.
                    _logger.OrphanDirectory(directory);
                    continue;
                }

                directories.Add(directory);
            }
        }

        try
        {
            Parallel.ForEach(directories, new ParallelOptions { MaxDegreeOfParallelism = _options.RecoveryThreads }, OpenAtStart);
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<StorageException>().FirstOrDefault() is { } fatal)
        {
            throw fatal;
        }

        _logger.LogsOpened(_logs.Count, root, stopwatch.ElapsedMilliseconds);
    }

    private void OpenAtStart(string directory)
    {
        TryParse(directory, out var topic, out var partition);
        var config = _options.TopicConfig?.Invoke(topic) ?? _options.DefaultConfig;
        try
        {
            var log = OpenLog(directory, config);
            if (_restoredHighWatermarks.TryGetValue((topic, partition), out var highWatermark))
            {
                log.RestoreHighWatermark(highWatermark);
            }

            _logs[(topic, partition)] = log;
        }
        catch (Exception e) when (IsPartitionFault(e))
        {
            // A full disk, or no file descriptor left, is the broker's problem, not this partition's: every other log
            // would fail the same way, and marking them offline one by one would hide the cause.
            if (StorageErrors.IsDiskFull(e))
            {
                throw new StorageException($"Disk full while opening {directory}: {StorageErrors.Describe(e)}", e);
            }

            if (StorageErrors.IsOutOfFileDescriptors(e))
            {
                throw new StorageException($"Out of file descriptors while opening {directory} ({StorageErrors.Describe(e)}): raise the open-file limit (ulimit -n, LimitNOFILE=) for the partitions in the data directory", e);
            }

            var reason = StorageErrors.Describe(e);
            _offline[(topic, partition)] = reason;
            _logger.PartitionDirectoryOffline(directory, reason, e);
        }
    }

    /// <summary>What one broken partition directory can throw while it is opened (garbage, unreadable files, oversized segments).</summary>
    private static bool IsPartitionFault(Exception e)
        => e is LogException or IOException or UnauthorizedAccessException or InvalidDataException or OverflowException or ArgumentException;

    private PartitionLog OpenLog(string directory, LogConfig config)
        => PartitionLog.Open(directory, config, _fs, _loggerFactory.CreateLogger<PartitionLog>(), _time);

    private string PartitionDirectory(string topic, int partition)
        => Path.Combine(_options.DataDirectory, string.Create(CultureInfo.InvariantCulture, $"{topic}-{partition}"));

    private static bool TryParse(string directory, out string topic, out int partition)
    {
        try
        {
            (topic, partition) = PartitionLog.ParseDirectoryName(directory);
            return true;
        }
        catch (ArgumentException)
        {
            (topic, partition) = ("", -1);
            return false;
        }
    }

    private int Guard(string task, Func<int> work)
    {
        try
        {
            return work();
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        catch (Exception e) when (e is LogException or IOException)
        {
            _logger.MaintenanceFailed(task, e);
            return 0;
        }
    }

    private Task RunPeriodically(string name, long intervalMs, Action work, CancellationToken cancellationToken)
        => Task.Run(
            async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(1, intervalMs)), _time);
                try
                {
                    while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        try
                        {
                            work();
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            _logger.MaintenanceFailed(name, e);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }
            },
            CancellationToken.None);
}
