using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Connect.Cluster;
using Platform.Connect.Metrics;
using Platform.Connect.Plugins;
using Platform.Connect.Rest;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

/// <summary>
/// A Connect worker as a hosted service: loads the configs, offsets and status topics, joins the workers' group,
/// serves the REST API, applies the config directory, and keeps the connectors and tasks this worker owns
/// (<see cref="ClusterAssignment.OwnerOf"/>) running — reconciling after every config change, rebalance, pause,
/// resume, stop or restart request. A restarted worker resumes from the stored offsets.
/// </summary>
public sealed partial class ConnectWorker : BackgroundService
{
    private readonly WorkerOptions _options;
    private readonly PluginRegistry _plugins;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConnectMetrics _metrics;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<RestartRequest> _restarts = new();
    private readonly Dictionary<string, WorkerConnector> _connectors = new(StringComparer.Ordinal);
    private readonly Dictionary<ConnectorTaskId, WorkerTask> _tasks = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private ConfigBackingStore? _configs;
    private OffsetBackingStore? _offsets;
    private StatusBackingStore? _statuses;
    private WorkerMembership? _membership;
    private ConnectRestServer? _rest;
    private ConfigDirectoryWatcher? _watcher;
    private WorkerServices? _services;
    private string _workerId = "";

    /// <summary>A worker with <paramref name="options"/>, running the plugins of <paramref name="plugins"/>.</summary>
    public ConnectWorker(WorkerOptions options, PluginRegistry plugins, ILoggerFactory loggerFactory, ConnectMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _plugins = plugins;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConnectWorker>();
        _metrics = metrics;
    }

    /// <summary>Completes once the stores are loaded, the REST API listens and the worker joined its group.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The REST API's base URL (<c>http://127.0.0.1:8083</c>), once <see cref="Ready"/>; null without REST.</summary>
    public string? RestUrl => _rest?.Url;

    /// <summary>This worker's id.</summary>
    public string WorkerId => _workerId;

    /// <summary>The cluster operations the REST API and the config directory use, once <see cref="Ready"/>.</summary>
    public ConnectHerder Herder { get; private set; } = null!;

    /// <summary>The config directory's current problems by file, once <see cref="Ready"/> (empty without a directory).</summary>
    public IReadOnlyDictionary<string, string> ConfigDirectoryProblems => _watcher?.Problems ?? new Dictionary<string, string>();

    /// <summary>The latest group assignment.</summary>
    public ClusterAssignment Assignment => _membership?.Current ?? ClusterAssignment.None;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await StartComponentsAsync(stoppingToken).ConfigureAwait(false);
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            throw;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogReconcileFailed(e);
                    await Task.Delay(500, stoppingToken).ConfigureAwait(false);
                    Wake();
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await _wake.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Periodic reconcile: catches anything a lost wake-up missed.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
        finally
        {
            await ShutdownAsync().ConfigureAwait(false);
        }
    }

    private async Task StartComponentsAsync(CancellationToken cancellationToken)
    {
        var storeLogger = _loggerFactory.CreateLogger<KafkaBasedLog>();
        _configs = new ConfigBackingStore(_options.ConfigStorageTopic, _options.BootstrapServers, storeLogger);
        _offsets = new OffsetBackingStore(_options.OffsetStorageTopic, _options.BootstrapServers, storeLogger);
        _statuses = new StatusBackingStore(_options.StatusStorageTopic, _options.BootstrapServers, storeLogger);
        await _configs.StartAsync(_options.ReplicationFactor, cancellationToken).ConfigureAwait(false);
        await _offsets.StartAsync(_options.OffsetStoragePartitions, _options.ReplicationFactor, cancellationToken).ConfigureAwait(false);
        await _statuses.StartAsync(_options.StatusStoragePartitions, _options.ReplicationFactor, cancellationToken).ConfigureAwait(false);
        _configs.Changed += Wake;
        _configs.RestartRequested += r =>
        {
            _restarts.Enqueue(r);
            Wake();
        };

        Herder = new ConnectHerder(_configs, _offsets, _statuses, _plugins, _options, () => Assignment);
        if (_options.RestListen is not null)
        {
            _rest = new ConnectRestServer(Herder, _loggerFactory);
            await _rest.StartAsync(_options.RestListen, cancellationToken).ConfigureAwait(false);
        }

        _workerId = _options.WorkerId ?? _rest?.Url.Replace("http://", "", StringComparison.Ordinal) ?? $"worker-{_instance[..8]}";
        Herder.WorkerId = _workerId;
        _services = new WorkerServices
        {
            Options = _options,
            Plugins = _plugins,
            Offsets = _offsets,
            Metrics = _metrics,
            LoggerFactory = _loggerFactory,
            ReportStatus = ReportStatusAsync,
        };
        _membership = new WorkerMembership(_options, new WorkerInfo(_workerId, _rest?.Url ?? "", _instance), _logger);
        _membership.Changed += Wake;
        _membership.Start();
        if (_options.ConfigDirectory is not null)
        {
            _watcher = new ConfigDirectoryWatcher(_options.ConfigDirectory, Herder, _options.ConfigRescanInterval, _logger);
            await _watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task ReportStatusAsync(string connector, int? task, string state, Exception? error)
    {
        if (_configs?.Get(connector) is null)
        {
            // Deleted meanwhile: its statuses were removed and must stay so.
            return;
        }

        var status = new ConnectorStatus(state, _workerId, error?.ToString(), Assignment.Generation);
        if (task is { } id)
        {
            await _statuses!.PutTaskAsync(connector, id, status).ConfigureAwait(false);
        }
        else
        {
            await _statuses!.PutConnectorAsync(connector, status).ConfigureAwait(false);
        }
    }

    private async Task ShutdownAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_tasks.Values.Select(async t => await t.DisposeAsync().ConfigureAwait(false))).ConfigureAwait(false);
        _tasks.Clear();
        foreach (var connector in _connectors.Values)
        {
            StopConnector(connector);
        }

        _connectors.Clear();
        if (_membership is not null)
        {
            await _membership.DisposeAsync().ConfigureAwait(false);
        }

        if (_rest is not null)
        {
            await _rest.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var store in new IAsyncDisposable?[] { _configs, _offsets, _statuses })
        {
            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
