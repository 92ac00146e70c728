using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Quartz;

namespace Platform.Connect.Runtime;

/// <summary>A source task's view of the runtime: its config, stored offsets, errant-record reports and the poll schedule (Quartz cron or interval).</summary>
internal sealed class SourceTaskContext(
    IReadOnlyDictionary<string, string> config,
    IOffsetStorageReader offsets,
    Func<SourceRecord, Exception, CancellationToken, Task> reportErrant,
    TimeProvider time) : ISourceTaskContext
{
    private readonly Dictionary<string, CronExpression> _crons = new(StringComparer.Ordinal);
    private DateTimeOffset? _lastReturn;

    public IReadOnlyDictionary<string, string> Config => config;

    public IOffsetStorageReader OffsetStorageReader => offsets;

    public Task ReportErrantRecordAsync(SourceRecord record, Exception error, CancellationToken cancellationToken = default)
        => reportErrant(record, error, cancellationToken);

    public async Task WaitForNextPollAsync(string? cronExpression, TimeSpan interval, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        TimeSpan delay;
        if (!string.IsNullOrWhiteSpace(cronExpression))
        {
            var next = Cron(cronExpression).GetNextValidTimeAfter(now) ?? throw new ConfigException("Cron expression '" + cronExpression + "' never fires again.");
            delay = next - now;
        }
        else
        {
            delay = _lastReturn is { } last ? last + interval - now : TimeSpan.Zero;
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }

        _lastReturn = time.GetUtcNow();
    }

    private CronExpression Cron(string text)
    {
        if (_crons.TryGetValue(text, out var cron))
        {
            return cron;
        }

        try
        {
            cron = new CronExpression(text, TimeZoneInfo.Utc);
        }
        catch (FormatException e)
        {
            throw new ConfigException($"Invalid cron expression '{text}': {e.Message}", e);
        }

        _crons[text] = cron;
        return cron;
    }
}
