using Microsoft.Extensions.Logging;

namespace Platform.Storage;

public sealed partial class LogManager
{
    private LogCleaner? _cleaner;

    /// <summary>The compactor of logs whose cleanup.policy contains compact.</summary>
    public LogCleaner Cleaner => _cleaner ??= new LogCleaner(_loggerFactory.CreateLogger<LogCleaner>());

    /// <summary>Cleans every compacted log that is due (the cleaner task calls this every log.cleaner.backoff.ms).</summary>
    public int RunCleaner() => Cleaner.CleanAll(_logs.Values.Where(l => l.Config.Compact));

    private Task[] StartCleaner(CancellationToken cancellationToken)
        => _options.CleanerEnable
            ? [RunPeriodically("cleaner", _options.CleanerBackoffMs, () => RunCleaner(), cancellationToken)]
            : [];
}
