using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Connect.Metrics;
using Platform.Connect.Runtime;

namespace Platform.Connect.Errors;

/// <summary>
/// A task's error policy, as Kafka's RetryWithToleranceOperator: retriable failures (<see cref="RetriableException"/>,
/// retriable Kafka errors) are retried with exponential backoff for <c>errors.retry.timeout</c>; record failures are
/// tolerated under <c>errors.tolerance=all</c> (logged when asked, sent to the dead-letter topic when set) and fail
/// the task otherwise. A record never disappears silently: it is either written, in the dead-letter topic, or the task fails.
/// </summary>
public sealed class ErrorHandler : IAsyncDisposable
{
    private readonly ErrorSettings _settings;
    private readonly ConnectorTaskId _id;
    private readonly ILogger _logger;
    private readonly ConnectMetrics _metrics;
    private readonly DeadLetterQueueReporter? _dlq;

    /// <summary>The policy of one task.</summary>
    public ErrorHandler(ErrorSettings settings, ConnectorTaskId id, string bootstrapServers, ILogger logger, ConnectMetrics metrics)
    {
        _settings = settings;
        _id = id;
        _logger = logger;
        _metrics = metrics;
        _dlq = settings.DeadLetterTopic is null ? null : new DeadLetterQueueReporter(bootstrapServers, settings, id.Connector, id.Task);
    }

    /// <summary>The settings.</summary>
    public ErrorSettings Settings => _settings;

    /// <summary>Whether <paramref name="error"/> may pass if retried.</summary>
    public static bool IsRetriable(Exception error) => error switch
    {
        RetriableException => true,
        KafkaException k => k.Error.IsRetriable && !k.Error.IsFatal,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>Runs <paramref name="operation"/>, retrying retriable failures with backoff until the retry timeout; other failures pass through.</summary>
    public async Task<T> RetryAsync<T>(ErrorStage stage, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken, TimeSpan? firstDelay = null)
    {
        var started = DateTime.UtcNow;
        var attempt = 0;
        while (true)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRetriable(e) && !cancellationToken.IsCancellationRequested)
            {
                var delay = NextRetryDelay(stage, e, started, ++attempt, attempt == 1 ? firstDelay : null);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Counts the <paramref name="attempt"/>-th retriable failure of an operation that first failed at
    /// <paramref name="started"/> and returns the wait before the next attempt (300 ms doubling up to
    /// <c>errors.retry.delay.max.ms</c>, or <paramref name="requested"/>), so callers that must not block (a sink
    /// keeps polling its consumer while it waits) share the policy of <see cref="RetryAsync{T}"/>.
    /// </summary>
    /// <exception cref="ConnectException">The next attempt would come after <c>errors.retry.timeout</c>: the task fails.</exception>
    public TimeSpan NextRetryDelay(ErrorStage stage, Exception error, DateTime started, int attempt, TimeSpan? requested = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        _metrics.Errors.Add(1, ConnectMetrics.Tags(_id.Connector, _id.Task));
        var doubled = ErrorSettings.InitialRetryDelay.Ticks << Math.Min(Math.Max(attempt - 1, 0), 20);
        var delay = requested ?? TimeSpan.FromTicks(Math.Min(doubled, Math.Max(_settings.RetryDelayMax.Ticks, ErrorSettings.InitialRetryDelay.Ticks)));
        var elapsed = DateTime.UtcNow - started;
        if (_settings.RetryTimeout is { } timeout && elapsed + delay > timeout)
        {
            throw new ConnectException($"Stage {DeadLetterQueueReporter.StageName(stage)} failed after retrying for {elapsed.TotalMilliseconds:F0} ms (errors.retry.timeout): {error.Message}", error);
        }

        _logger.LogRetrying(error, _id.Connector, _id.Task, DeadLetterQueueReporter.StageName(stage), delay);
        return delay;
    }

    /// <summary>
    /// Handles a record failure: true when tolerated (the record was logged and dead-lettered as configured and
    /// the pipeline goes on), false when the task must fail.
    /// </summary>
    public async Task<bool> TolerateAsync(ErrorStage stage, Exception error, DeadLetterContext context, CancellationToken cancellationToken)
    {
        _metrics.Errors.Add(1, ConnectMetrics.Tags(_id.Connector, _id.Task));
        if (!_settings.ToleranceAll)
        {
            return false;
        }

        if (_settings.LogEnable)
        {
            var location = _settings.LogIncludeMessages ? $"topic '{context.Topic}', partition {context.Partition}, offset {context.Offset}" : "record";
            _logger.LogToleratedError(error, _id.Connector, _id.Task, DeadLetterQueueReporter.StageName(stage), location);
        }

        if (_dlq is not null)
        {
            await RetryAsync(ErrorStage.KafkaProduce, async ct =>
            {
                await _dlq.ReportAsync(stage, error, context, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            _metrics.DeadLetterRecords.Add(1, ConnectMetrics.Tags(_id.Connector, _id.Task));
        }

        return true;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_dlq is not null)
        {
            await _dlq.DisposeAsync().ConfigureAwait(false);
        }
    }
}
