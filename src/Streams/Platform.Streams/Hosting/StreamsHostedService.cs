using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Streams.Hosting;

/// <summary>
/// Starts the registered <see cref="KafkaStreams"/> with the host and closes it when the host stops (a clean close
/// commits and checkpoints). If the instance fails (state Error), the host is stopped too, so an orchestrator
/// restarts the process instead of leaving a worker that does nothing.
/// </summary>
internal sealed partial class StreamsHostedService(KafkaStreams streams, IHostApplicationLifetime lifetime, ILogger<StreamsHostedService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        streams.StateChanged += (next, _) =>
        {
            if (next == KafkaStreamsState.Error)
            {
                failed.TrySetResult();
            }
        };
        await streams.StartAsync(stoppingToken).ConfigureAwait(false);
        var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
        if (await Task.WhenAny(stopped, failed.Task).ConfigureAwait(false) == failed.Task)
        {
            LogFailed(streams.FatalException);
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await streams.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 9160, Level = LogLevel.Critical, Message = "The Streams application failed; stopping the host")]
    private partial void LogFailed(Exception? exception);
}
