using Microsoft.Extensions.Logging;

namespace Platform.Storage;

public sealed partial class LogManager
{
    private LogCleaner? _cleaner;

    /// <summary>The compactor of logs whose cleanup.policy contains compact.</summary>
    public LogCleaner Cleaner => _cleaner ??= new LogCleaner(
        _loggerFactory.CreateLogger<LogCleaner>(),
        _options.CleanerMaxMapEntries,
        _options.CleanerIoMaxBytesPerSecond,
        _options.CleanerIoBufferSize);

    /// <summary>Cleans every compacted log that is due (each cleaner thread calls this every log.cleaner.backoff.ms).</summary>
    public int RunCleaner() => RunCleaner(0);

    /// <summary>
    /// One cleaner thread's pass: it starts at its own place in the list, so threads take different logs
    /// first; a log another thread is cleaning is skipped.
    /// </summary>
    private int RunCleaner(int thread)
    {
        var logs = _logs.Values.Where(l => l.Config.Compact).ToList();
        var start = logs.Count == 0 ? 0 : thread * logs.Count / Math.Max(1, _options.CleanerThreads);
        return Cleaner.CleanAll(logs.Skip(start).Concat(logs.Take(start)));
    }

    private Task[] StartCleaner(CancellationToken cancellationToken)
        => _options.CleanerEnable
            ? [.. Enumerable.Range(0, Math.Max(1, _options.CleanerThreads))
                .Select(thread => RunPeriodically($"cleaner-{thread}", _options.CleanerBackoffMs, () => RunCleaner(thread), cancellationToken))]
            : [];
}
