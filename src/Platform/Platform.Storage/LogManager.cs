using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// Owns the partition logs of one data directory: opens them, creates and deletes them, and runs the
/// periodic work on all of them (retention, time-based flushes, recovery-point checkpoints) on one
/// background task.
/// </summary>
public sealed class LogManager : IDisposable
{
    private readonly string _dataDir;
    private readonly IStorageFileSystem _fs;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retentionCheckInterval;
    private readonly ConcurrentDictionary<string, PartitionLog> _logs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _maintenance;

    public LogManager(string dataDir, IStorageFileSystem fs, ILoggerFactory loggers, TimeProvider time, TimeSpan retentionCheckInterval)
    {
        _dataDir = Path.GetFullPath(dataDir);
        _fs = fs;
        _loggers = loggers;
        _logger = loggers.CreateLogger<LogManager>();
        _time = time;
        _retentionCheckInterval = retentionCheckInterval;
        Directory.CreateDirectory(_dataDir);
    }

    public ICollection<PartitionLog> Logs => _logs.Values;

    /// <summary>Opens the log of a partition, creating its directory if new; recovery runs on open.</summary>
    public PartitionLog GetOrCreateLog(string topic, int partition, LogConfig config)
    {
        var name = $"{topic}-{partition}";
        return _logs.GetOrAdd(name, _ => PartitionLog.Open(Path.Combine(_dataDir, name), config, _fs, _loggers.CreateLogger<PartitionLog>(), _time));
    }

    /// <summary>Removes a partition's log and its files (topic deletion).</summary>
    public void DeleteLog(PartitionLog log)
    {
        _logs.TryRemove($"{log.Topic}-{log.Partition}", out _);
        log.Delete();
    }

    /// <summary>Starts the periodic maintenance task.</summary>
    public void Start() => _maintenance ??= Task.Run(() => RunMaintenanceAsync(_stopping.Token));

    private async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        // Flushes for flush.ms are checked every second; retention and checkpoints at their own pace.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        var lastRetention = Stopwatch.GetTimestamp();
        var lastCheckpoint = lastRetention;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                ForEachLog("flush", log => log.FlushIfDue());
                if (Stopwatch.GetElapsedTime(lastRetention) >= _retentionCheckInterval)
                {
                    lastRetention = Stopwatch.GetTimestamp();
                    RunRetention();
                }

                if (Stopwatch.GetElapsedTime(lastCheckpoint) >= TimeSpan.FromSeconds(60))
                {
                    lastCheckpoint = Stopwatch.GetTimestamp();
                    ForEachLog("checkpoint", log => log.CheckpointRecoveryPoint());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Applies retention to every log now (also called by tests and tools).</summary>
    public void RunRetention()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        ForEachLog("retention", log => log.ApplyRetention(now));
    }

    private void ForEachLog(string task, Action<PartitionLog> action)
    {
        foreach (var log in _logs.Values)
        {
            try
            {
                action(log);
            }
            catch (Exception e) when (e is IOException or LogException or ObjectDisposedException)
            {
                _logger.MaintenanceFailed(task, e);
            }
        }
    }

    /// <summary>Stops maintenance, then flushes, checkpoints and closes every log.</summary>
    public void Shutdown()
    {
        _stopping.Cancel();
        try
        {
            _maintenance?.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var log in _logs.Values)
        {
            log.Close();
        }
    }

    public void Dispose()
    {
        Shutdown();
        _stopping.Dispose();
    }
}
