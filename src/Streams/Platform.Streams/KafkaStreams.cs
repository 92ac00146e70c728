using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Client.Admin;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.Runtime;
using Platform.Streams.Runtime.Metrics;

namespace Platform.Streams;

/// <summary>
/// Runs a <see cref="Topology"/> against a Kafka cluster (Kafka's <c>KafkaStreams</c>): <c>num.stream.threads</c>
/// stream threads, each a member of the consumer group <c>application.id</c>, process the tasks the group
/// assigns to this instance; state stores are restored from their changelogs; outputs, changelog writes and
/// input offsets commit every <c>commit.interval.ms</c> (in one transaction per thread under
/// <c>exactly_once_v2</c>). Start it with <see cref="Start"/>, stop it with <see cref="Close()"/>.
/// </summary>
public sealed partial class KafkaStreams : IDisposable, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly TopologyMetadata _topology;
    private readonly Runtime.IStreamsAttachment[] _attachments;
    private readonly StreamsConfig _config;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<StreamThread> _threads = [];
    private KafkaStreamsState _state = KafkaStreamsState.Created;
    private Func<Exception, StreamThreadExceptionResponse>? _exceptionHandler;
    private IStateRestoreListener? _restoreListener;
    private StreamsRuntime? _runtime;
    private IAdminClient? _admin;
    private StateDirectory? _stateDirectory;
    private StreamsMetrics? _metrics;
    private GlobalStreamThread? _globalThread;
    private int _closing;

    /// <summary>An instance running <paramref name="topology"/> with <paramref name="config"/>.</summary>
    /// <exception cref="StreamsConfigException">A setting is missing or invalid; the message names it.</exception>
    /// <exception cref="TopologyException">The topology cannot run (no source, a store nobody added, ...).</exception>
    public KafkaStreams(Topology topology, StreamsConfig config, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(config);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<KafkaStreams>();
        config.Validate(_logger);
        config.UseLoggerForNamedHandlers(_loggerFactory);
        _config = config;
        _topology = topology.Build(config);
        _attachments = [.. topology.Attachments];
    }

    /// <summary>Raised with (new state, old state) on every state change, on the thread that caused it.</summary>
    public event Action<KafkaStreamsState, KafkaStreamsState>? StateChanged;

    /// <summary>The instance's state.</summary>
    public KafkaStreamsState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>What stopped the instance when its state is <see cref="KafkaStreamsState.Error"/>, else null.</summary>
    public Exception? FatalException { get; private set; }

    /// <summary>The application's id.</summary>
    public string ApplicationId => _topology.ApplicationId;

    /// <summary>Sets the listener of state changes (Kafka's <c>setStateListener</c>): called with (new state, old state).</summary>
    /// <exception cref="InvalidOperationException">The instance has started.</exception>
    public void SetStateListener(Action<KafkaStreamsState, KafkaStreamsState> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ThrowIfStarted(nameof(SetStateListener));
        StateChanged += listener;
    }

    /// <summary>
    /// Sets what happens when a stream thread dies of an exception: replace the thread, shut this instance
    /// down, or shut every instance of the application down. Without a handler the instance shuts down.
    /// </summary>
    /// <exception cref="InvalidOperationException">The instance has started.</exception>
    public void SetUncaughtExceptionHandler(Func<Exception, StreamThreadExceptionResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfStarted(nameof(SetUncaughtExceptionHandler));
        _exceptionHandler = handler;
    }

    /// <summary>Sets the listener of changelog restoration for every store of this instance.</summary>
    /// <exception cref="InvalidOperationException">The instance has started.</exception>
    public void SetGlobalStateRestoreListener(IStateRestoreListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ThrowIfStarted(nameof(SetGlobalStateRestoreListener));
        _restoreListener = listener;
    }

    /// <summary>
    /// Starts the instance: checks that the source topics exist and co-partitioned topics agree, creates the
    /// internal topics, then starts the threads (state <see cref="KafkaStreamsState.Rebalancing"/>, then
    /// <see cref="KafkaStreamsState.Running"/> once every thread processes).
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="StreamsMissingSourceTopicException">A source topic does not exist.</exception>
    /// <exception cref="TopologyException">Co-partitioned topics have different partition counts, or an internal topic has the wrong count.</exception>
    public void Start() => StartAsync().GetAwaiter().GetResult();

    /// <summary>Asynchronous <see cref="Start"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_state != KafkaStreamsState.Created)
            {
                throw new InvalidOperationException($"KafkaStreams can be started once; it is {_state}.");
            }
        }

        try
        {
            await PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            DisposeResources();
            throw;
        }

        SetState(KafkaStreamsState.Rebalancing);
        _globalThread?.Start();

        // Only global stores, as Kafka allows: no task for a stream thread to take, and no group to join. The global
        // stores caught up while starting, so the instance runs.
        var globalOnly = _topology.Subtopologies.Count == 0 && _globalThread is not null;
        var threads = globalOnly ? 0 : _config.NumStreamThreads;
        lock (_lock)
        {
            for (var i = 1; i <= threads; i++)
            {
                var thread = NewThread(i);
                _threads.Add(thread);
                thread.Start();
            }
        }

        if (globalOnly)
        {
            LogGlobalOnly();
            SetState(KafkaStreamsState.Running);
        }

        foreach (var attachment in _attachments)
        {
            attachment.Start(_config, _runtime!.ClientId, _loggerFactory);
        }
    }

    /// <summary>Stops the instance: every thread commits, closes its tasks (checkpointing their stores) and leaves the group.</summary>
    public void Close() => Close(Timeout.InfiniteTimeSpan);

    /// <summary>Like <see cref="Close()"/>, waiting at most <paramref name="timeout"/>; false when threads were still running then.</summary>
    public bool Close(TimeSpan timeout) => CloseInternal(timeout, error: null);

    /// <summary>Asynchronous <see cref="Close()"/>; the token stops waiting, not the shutdown.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default)
        => Task.Run(() => Close(Timeout.InfiniteTimeSpan), cancellationToken);

    private StreamThread NewThread(int index)
        => new(index, _runtime!, OnThreadStateChanged, OnThreadFailed);

    private bool CloseInternal(TimeSpan timeout, Exception? error)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return WaitForThreads(timeout);
        }

        SetState(error is null ? KafkaStreamsState.PendingShutdown : KafkaStreamsState.PendingError);
        StopAttachments();
        List<StreamThread> threads;
        lock (_lock)
        {
            threads = [.. _threads];
        }

        foreach (var thread in threads)
        {
            thread.RequestStop();
        }

        var stopped = WaitForThreads(timeout);
        _globalThread?.Stop();
        DisposeResources();
        FatalException ??= error;
        foreach (var attachment in _attachments)
        {
            attachment.Complete(FatalException);
        }

        SetState(error is null ? KafkaStreamsState.NotRunning : KafkaStreamsState.Error);
        return stopped;
    }

    /// <summary>Feeds stop first (what they took is flushed), so the threads may still process it before they stop.</summary>
    private void StopAttachments()
    {
        foreach (var attachment in _attachments)
        {
            try
            {
                attachment.Stop();
            }
            catch (Exception ex)
            {
                LogAttachmentStopFailed(ex);
            }
        }
    }

    private bool WaitForThreads(TimeSpan timeout)
    {
        List<StreamThread> threads;
        lock (_lock)
        {
            threads = [.. _threads];
        }

        var stopped = true;
        foreach (var thread in threads)
        {
            stopped &= thread.Join(timeout);
        }

        return stopped;
    }

    private void DisposeResources()
    {
        _admin?.Dispose();
        _admin = null;
        _stateDirectory?.Dispose();
        _stateDirectory = null;
        _metrics?.Dispose();
        _metrics = null;
    }

    private void OnThreadStateChanged(StreamThread thread)
    {
        KafkaStreamsState next;
        lock (_lock)
        {
            if (_state is not (KafkaStreamsState.Rebalancing or KafkaStreamsState.Running))
            {
                return;
            }

            var alive = _threads.Where(t => t.State != StreamThreadState.Dead).ToList();
            next = alive.Count > 0 && alive.All(t => t.State == StreamThreadState.Running) && (_globalThread?.Running ?? true)
                ? KafkaStreamsState.Running
                : KafkaStreamsState.Rebalancing;
        }

        SetState(next);
    }

    /// <summary>Runs on the dying thread: asks the handler, then replaces the thread or stops the instance (in the background).</summary>
    private StreamThreadExceptionResponse OnThreadFailed(StreamThread thread, Exception exception)
    {
        if (exception is StreamsShutdownRequestedException || Volatile.Read(ref _closing) != 0)
        {
            _ = Task.Run(() => CloseInternal(Timeout.InfiniteTimeSpan, exception));
            return StreamThreadExceptionResponse.ShutdownClient;
        }

        StreamThreadExceptionResponse response;
        try
        {
            response = _exceptionHandler?.Invoke(exception) ?? StreamThreadExceptionResponse.ShutdownClient;
        }
        catch (Exception handlerError)
        {
            LogHandlerFailed(handlerError);
            response = StreamThreadExceptionResponse.ShutdownClient;
        }

        if (response == StreamThreadExceptionResponse.ReplaceThread)
        {
            _ = Task.Run(() =>
            {
                thread.Join(Timeout.InfiniteTimeSpan);
                lock (_lock)
                {
                    if (Volatile.Read(ref _closing) != 0)
                    {
                        return;
                    }

                    var replacement = NewThread(thread.Index);
                    _threads[_threads.IndexOf(thread)] = replacement;
                    replacement.Start();
                }
            });
        }
        else
        {
            // The dying thread finishes first (for ShutdownApplication it tells the group), then the rest stop.
            _ = Task.Run(() =>
            {
                thread.Join(Timeout.InfiniteTimeSpan);
                CloseInternal(Timeout.InfiniteTimeSpan, exception);
            });
        }

        return response;
    }

    private void SetState(KafkaStreamsState next)
    {
        KafkaStreamsState old;
        lock (_lock)
        {
            if (_state == next || _state is KafkaStreamsState.NotRunning or KafkaStreamsState.Error)
            {
                return;
            }

            old = _state;
            _state = next;
        }

        LogStateChanged(old, next);
        StateChanged?.Invoke(next, old);
    }

    private void ThrowIfStarted(string what)
    {
        if (State != KafkaStreamsState.Created)
        {
            throw new InvalidOperationException($"{what} must be called before Start.");
        }
    }

    /// <summary>Closes the instance (see <see cref="Close()"/>).</summary>
    public void Dispose()
    {
        if (State != KafkaStreamsState.Created)
        {
            Close();
        }
    }

    /// <summary>Closes the instance (see <see cref="CloseAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (State != KafkaStreamsState.Created)
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 9140, Level = LogLevel.Information, Message = "State transition from {Old} to {New}")]
    private partial void LogStateChanged(KafkaStreamsState old, KafkaStreamsState @new);

    [LoggerMessage(EventId = 9155, Level = LogLevel.Warning, Message = "An observable feed could not stop cleanly")]
    private partial void LogAttachmentStopFailed(Exception exception);

    [LoggerMessage(EventId = 9142, Level = LogLevel.Information, Message = "The topology has only global stores: no stream thread is started")]
    private partial void LogGlobalOnly();

    [LoggerMessage(EventId = 9141, Level = LogLevel.Error, Message = "The uncaught exception handler threw; shutting the client down")]
    private partial void LogHandlerFailed(Exception exception);
}
