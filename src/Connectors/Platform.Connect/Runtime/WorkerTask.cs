using Microsoft.Extensions.Logging;
using Platform.Connect.Errors;

namespace Platform.Connect.Runtime;

/// <summary>
/// One running task: its loop on its own <see cref="Task"/>, its status (RUNNING, PAUSED, FAILED with the trace),
/// pause and resume, and a stop that waits up to the shutdown timeout.
/// </summary>
internal abstract class WorkerTask : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _resumed = NewResumed();
    private Task? _run;
    private volatile bool _paused;

    protected WorkerTask(ConnectorTaskId id, IReadOnlyDictionary<string, string> connectorConfig, IReadOnlyDictionary<string, string> taskConfig, WorkerServices services)
    {
        Id = id;
        ConnectorConfig = connectorConfig;
        TaskConfig = taskConfig;
        Services = services;
        Logger = services.LoggerFactory.CreateLogger(GetType());
        Errors = new ErrorHandler(ErrorSettings.From(connectorConfig), id, services.Options.BootstrapServers, Logger, services.Metrics);
    }

    public ConnectorTaskId Id { get; }

    public IReadOnlyDictionary<string, string> ConnectorConfig { get; }

    public IReadOnlyDictionary<string, string> TaskConfig { get; }

    /// <summary>Whether the task failed (it stays so until restarted).</summary>
    public bool Failed { get; private set; }

    protected WorkerServices Services { get; }

    protected ILogger Logger { get; }

    protected ErrorHandler Errors { get; }

    protected bool IsPaused => _paused;

    public void Start(bool paused)
    {
        _paused = paused;
        _run = Task.Run(RunGuardedAsync);
    }

    public async Task PauseAsync()
    {
        if (_paused || Failed)
        {
            return;
        }

        lock (_lock)
        {
            _paused = true;
            _resumed = NewResumed();
        }

        OnPauseChanged(true);
        await Services.ReportStatus(Id.Connector, Id.Task, "PAUSED", null).ConfigureAwait(false);
    }

    public async Task ResumeAsync()
    {
        if (!_paused || Failed)
        {
            return;
        }

        lock (_lock)
        {
            _paused = false;
            _resumed.TrySetResult();
        }

        OnPauseChanged(false);
        await Services.ReportStatus(Id.Connector, Id.Task, "RUNNING", null).ConfigureAwait(false);
    }

    /// <summary>Stops the loop and waits for it, at most the shutdown timeout.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.WaitAsync(Services.Options.TaskShutdownTimeout).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    protected abstract Task ExecuteAsync(CancellationToken cancellationToken);

    /// <summary>Called when pausing or resuming (sinks pause their consumer).</summary>
    protected virtual void OnPauseChanged(bool paused)
    {
    }

    protected async Task WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        Task resumed;
        lock (_lock)
        {
            resumed = _paused ? _resumed.Task : Task.CompletedTask;
        }

        await resumed.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunGuardedAsync()
    {
        var token = _stop.Token;
        try
        {
            await Services.ReportStatus(Id.Connector, Id.Task, _paused ? "PAUSED" : "RUNNING", null).ConfigureAwait(false);
            await ExecuteAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception e)
        {
            Failed = true;
            Services.Metrics.Errors.Add(1, Metrics.ConnectMetrics.Tags(Id.Connector, Id.Task));
            Logger.LogTaskFailed(e, Id.Connector, Id.Task);
            await Services.ReportStatus(Id.Connector, Id.Task, "FAILED", e).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewResumed() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Errors.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
