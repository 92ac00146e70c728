using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams.Dsl.Internal;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.Runtime.Assignment;
using Platform.Streams.State;

namespace Platform.Streams.Runtime;

/// <summary>
/// One stream thread (Kafka's <c>StreamThread</c>): a consumer in the application's group (group id =
/// <c>application.id</c>, the <see cref="StreamsPartitionAssignor"/>, read_committed under exactly-once), a
/// producer (transactional under exactly-once), a restore consumer, and the <see cref="TaskManager"/> of its
/// tasks. Its loop polls, restores, processes, punctuates and commits every <c>commit.interval.ms</c>.
/// </summary>
internal sealed partial class StreamThread
{
    private static readonly TimeSpan PendingCommitPoll = TimeSpan.FromMilliseconds(1);

    private readonly StreamsRuntime _runtime;
    private readonly Func<StreamThread, Exception, StreamThreadExceptionResponse> _onFailure;
    private readonly Action<StreamThread> _onStateChange;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly StreamsPartitionAssignor _assignor;
    private readonly Dictionary<TopicPartition, long> _skipped = [];

    // Header keys as strings by their bytes: they mostly repeat, so each is decoded once, not per record. Bounded, for
    // keys that do not repeat.
    private const int MaxHeaderKeys = 1024;
    private readonly Dictionary<Bytes, string> _headerKeys = new(Platform.Streams.State.Internal.BytesComparer.Instance);

    // The task of the partition of the last record handed over: records come in runs per partition, and a
    // TopicPartition hashes its topic name on every lookup. Forgotten whenever tasks may have changed.
    private TopicPartition? _lastPartition;
    private ActiveTask? _lastTask;
    private bool _lastReadsPartialCounts;
    private readonly RawRecordHandler _onRecord;
    private readonly long _commitIntervalTicks;
    private readonly TimeSpan _pollTime;
    private int _maxPollRecords;
    private bool _lastPollFull;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private ChangelogReader? _changelogs;
    private TaskManager? _tasks;
    private Exception? _callbackError;
    private volatile bool _stopRequested;
    private volatile StreamThreadState _state = StreamThreadState.Created;
    private long _lastCommit;
    private long _processedSinceMetric;
    private long _lag;
    private IReadOnlySet<TaskId> _activeSnapshot = new HashSet<TaskId>();
    private IReadOnlySet<TaskId> _standbySnapshot = new HashSet<TaskId>();

    /// <summary>A thread numbered <paramref name="index"/> (1-based, as in Kafka's thread names).</summary>
    public StreamThread(int index, StreamsRuntime runtime, Action<StreamThread> onStateChange, Func<StreamThread, Exception, StreamThreadExceptionResponse> onFailure)
    {
        Index = index;
        _runtime = runtime;
        _onStateChange = onStateChange;
        _onFailure = onFailure;
        Name = $"{runtime.ClientId}-StreamThread-{index}";
        _logger = runtime.LoggerFactory.CreateLogger($"Platform.Streams.StreamThread");
        var eos = runtime.Config.ExactlyOnce;
        _commitIntervalTicks = (long)(runtime.Config.CommitIntervalMs * Stopwatch.Frequency / 1000.0);
        _pollTime = TimeSpan.FromMilliseconds(Math.Max(1, runtime.Config.PollMs));
        TransactionalId = eos ? $"{runtime.Topology.ApplicationId}-{runtime.StateDirectory.ProcessId}-{index}" : null;
        _assignor = new StreamsPartitionAssignor(
            runtime.Subtopologies,
            runtime.StateDirectory.ProcessId,
            runtime.Endpoint,
            runtime.Config.NumStandbyReplicas,
            () => _tasks?.LocalState() ?? (new Dictionary<TaskId, long>(), new HashSet<TaskId>()));
        _onRecord = OnRecord;
        _thread = new Thread(Run) { IsBackground = true, Name = Name };
    }

    /// <summary>The thread's number.</summary>
    public int Index { get; }

    /// <summary>The thread's name (<c>&lt;client.id&gt;-StreamThread-&lt;n&gt;</c>).</summary>
    public string Name { get; }

    /// <summary>The producer's transactional id under exactly-once, else null.</summary>
    public string? TransactionalId { get; }

    /// <summary>The thread's state.</summary>
    public StreamThreadState State => _state;

    /// <summary>What killed the thread, or null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The stores of its running active tasks, published after every change (read by interactive queries).</summary>
    public IReadOnlyList<(TaskId Task, IReadOnlyDictionary<string, IStateStore> Stores)> RunningStores { get; private set; } = [];

    /// <summary>The thread's tasks, published after every change.</summary>
    public ThreadMetadata Metadata => new(Name, _state.ToString(), _activeSnapshot, _standbySnapshot);

    /// <summary>The last assignment (partitions by host, for key queries), or null.</summary>
    public AssignmentInfo? Assignment => _assignor.LatestAssignment;

    /// <summary>Starts the thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Asks the thread to commit, close its tasks and stop.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>Waits for the thread to end.</summary>
    public bool Join(TimeSpan timeout) => _thread == Thread.CurrentThread || _thread.Join(timeout);

    private bool ExactlyOnce => TransactionalId is not null;

    private void Run()
    {
        Exception? failure = null;
        try
        {
            Initialize();
            SetState(StreamThreadState.Starting);
            while (!_stopRequested)
            {
                try
                {
                    RunOnce();
                }
                catch (TaskMigratedException ex)
                {
                    HandleMigrated(ex);
                }
            }

            SetState(StreamThreadState.PendingShutdown);
            _tasks!.CloseAll(_consumer, clean: true);
        }
        catch (Exception ex)
        {
            failure = ex;
            LogFailed(ex, Name);
            try
            {
                _tasks?.CloseAll(null, clean: false);
            }
            catch (Exception closeError)
            {
                LogCloseFailed(closeError, Name);
            }
        }

        if (failure is not null)
        {
            Failure = failure;
            var response = _onFailure(this, failure);
            if (response == StreamThreadExceptionResponse.ShutdownApplication)
            {
                RequestApplicationShutdown();
            }
        }

        DisposeClients();
        RunningStores = [];
        _runtime.Metrics.RemoveSources(this);
        SetState(StreamThreadState.Dead);
    }

    private void Initialize()
    {
        var config = _runtime.Config;
        var consumerSettings = config.ConsumerSettings();
        consumerSettings["group.id"] = _runtime.Topology.ApplicationId;
        consumerSettings["client.id"] = Name + "-consumer";
        consumerSettings["enable.auto.commit"] = "false";
        consumerSettings.TryAdd("auto.offset.reset", "earliest");

        // Kafka Streams' consumer override: bigger polls, fewer loop turns per record.
        consumerSettings.TryAdd("max.poll.records", "1000");
        _maxPollRecords = int.TryParse(consumerSettings["max.poll.records"], System.Globalization.CultureInfo.InvariantCulture, out var maxPollRecords) ? maxPollRecords : 1000;
        consumerSettings.Remove("partition.assignment.strategy");
        if (ExactlyOnce)
        {
            consumerSettings["isolation.level"] = "read_committed";
        }

        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(consumerSettings)
            .SetPartitionAssignor(_assignor)
            .SetPartitionsRevokedHandler((_, _) => OnRevoked())
            .SetPartitionsAssignedHandler((_, _) => OnAssigned())
            .SetPartitionsLostHandler((_, _) => OnLost())
            .Build();

        var restoreSettings = config.ConsumerSettings("restore.consumer.");
        restoreSettings.Remove("group.id");
        restoreSettings.Remove("group.instance.id");
        restoreSettings.Remove("partition.assignment.strategy");
        restoreSettings["client.id"] = Name + "-restore-consumer";
        restoreSettings["enable.auto.commit"] = "false";
        restoreSettings["auto.offset.reset"] = "earliest";
        restoreSettings["isolation.level"] = ExactlyOnce ? "read_committed" : "read_uncommitted";
        var restoreConsumer = new ConsumerBuilder<byte[]?, byte[]?>(restoreSettings).Build();
        _changelogs = new ChangelogReader(restoreConsumer, _runtime.Admin, ExactlyOnce ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted, _runtime.RestoreListener, _runtime.Metrics);
        _tasks = new TaskManager(
            _runtime.Topology,
            _runtime.StateDirectory,
            _changelogs,
            CreateProducer(),
            _runtime.ProductionHandler,
            _runtime.PartitionCount,
            _runtime.GlobalStores,
            this,
            _runtime.LoggerFactory.CreateLogger("Platform.Streams.Task"))
        {
            FetchedLag = _consumer.CurrentLag,
        };
        _runtime.Metrics.AddSources(this, () => Volatile.Read(ref _lag), () => _changelogs?.RemainingRecords ?? 0);
        Subscribe();
        _lastCommit = Stopwatch.GetTimestamp();
    }

    private StreamsProducer CreateProducer()
    {
        var settings = _runtime.Config.ProducerSettings();
        settings["client.id"] = Name + "-producer";
        if (ExactlyOnce)
        {
            settings["transactional.id"] = TransactionalId!;
            settings["enable.idempotence"] = "true";
            settings.TryAdd("transaction.timeout.ms", "10000");
        }
        else
        {
            // Kafka Streams' producer default: batch for up to 100 ms between commits.
            settings.TryAdd("linger.ms", "100");
        }

        // Larger batches than the producer's 16 KiB: a stream thread sends records of small, similar sizes to few
        // partitions at high rates, and every batch costs the producer a drain, a request share, a report pass and
        // thread wake-ups. 128 KiB took the map+filter benchmark from 0.96 to 0.44 CPU-s per million records
        // (64 KiB: 0.56; 256 KiB: no further gain). Memory stays bounded by buffer.memory.
        settings.TryAdd("batch.size", "131072");
        return new StreamsProducer(settings);
    }

    private void Subscribe()
    {
        var patterns = _runtime.Subtopologies.Where(s => s.SourcePattern is not null).Select(s => s.SourcePattern!.ToString()).ToList();
        if (patterns.Count == 0)
        {
            _consumer!.Subscribe(_runtime.SourceTopics);
            return;
        }

        var alternatives = _runtime.SourceTopics.Select(Regex.Escape).Concat(patterns.Select(p => $"(?:{p})"));
        _consumer!.Subscribe(new Regex($"^(?:{string.Join("|", alternatives)})$", RegexOptions.CultureInvariant));
    }

    private void RunOnce()
    {
        var consumer = _consumer!;
        var tasks = _tasks!;
        ForgetLastTask();
        // After a full poll more records are likely buffered: this poll takes them without waiting, so the records the
        // last turn kept staged (see below) never sit through a wait. Every other turn handed its stage over.
        var wait = _lastPollFull || HasProcessable(tasks) || tasks.HasPendingOrRestoring ? TimeSpan.Zero : IdlePollTime(tasks);
        var handed = consumer.ConsumeRaw(_onRecord, wait);
        _lastPollFull = handed >= _maxPollRecords;
        if (Interlocked.Exchange(ref _callbackError, null) is { } callbackError)
        {
            throw callbackError is TaskMigratedException migrated ? migrated : new StreamsException($"{Name} failed in a rebalance: {callbackError.Message}", callbackError);
        }

        _processedSinceMetric += handed;
        BlockPartitionsOfWaitingTasks(consumer, tasks);
        if (tasks.HasPendingOrRestoring)
        {
            tasks.CreatePendingTasks();
            PublishStores();
        }

        if (_changelogs!.Restoring || _changelogs.HasStandbys)
        {
            _changelogs.Poll(_changelogs.Restoring ? TimeSpan.FromMilliseconds(20) : TimeSpan.Zero);
            var ready = tasks.CompleteRestoration();
            if (ready.Count > 0)
            {
                consumer.Resume(ready);
                PublishStores();
            }
        }

        var now = SystemClock.Instance.NowMs;
        foreach (var task in tasks.ActiveTasks)
        {
            if (task.Restoring || task.Suspended)
            {
                continue;
            }

            for (var i = 0; i < 1000 && task.Task.IsProcessable(now) && task.Task.Process(); i++)
            {
                _processedSinceMetric++;
            }

            task.Task.MaybePunctuateSystemTime();
        }

        // What this turn produced goes to the producer now, not when the stage fills, unless the poll was full: more
        // records are likely buffered, and the next turn fills the stage (each hand-over may wake the appender's thread,
        // which then takes the stream thread's core: handed over at every turn of up to max.poll.records, the stages
        // were half full).
        if (!_lastPollFull)
        {
            tasks.Producer.SendStaged();
        }

        MaybeCommit(consumer, tasks);
        if (_state == StreamThreadState.PartitionsAssigned && !tasks.HasPendingOrRestoring)
        {
            SetState(StreamThreadState.Running);
        }
    }

    private void MaybeCommit(IConsumer<byte[]?, byte[]?> consumer, TaskManager tasks)
    {
        tasks.PollCommit(consumer);
        if (Stopwatch.GetTimestamp() - _lastCommit < _commitIntervalTicks && !CommitRequested(tasks))
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        if (tasks.Commit(consumer, force: false) > 0)
        {
            _runtime.Metrics.CommitLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        _lastCommit = Stopwatch.GetTimestamp();
        if (_processedSinceMetric > 0)
        {
            _runtime.Metrics.ProcessedRecords.Add(_processedSinceMetric);
            _processedSinceMetric = 0;
        }

        long lag = 0;
        foreach (var partition in consumer.Assignment)
        {
            lag += consumer.CurrentLag(partition) ?? 0;
        }

        Volatile.Write(ref _lag, lag);
    }

    /// <summary>
    /// How long an idle turn waits for records: <c>poll.ms</c>, but not past the next commit, and only a millisecond
    /// while an at_least_once commit waits for its acknowledgements (the loop moves it on), so that commits, and with
    /// them the offsets and read_committed outputs others see, are on time when the input goes quiet.
    /// </summary>
    private TimeSpan IdlePollTime(TaskManager tasks)
        => IdleWait(_pollTime, tasks.CommitPending, Stopwatch.GetTimestamp(), _lastCommit + _commitIntervalTicks);

    /// <summary>
    /// <see cref="IdlePollTime"/>'s rule: <paramref name="pollTime"/>, at most until <paramref name="commitDue"/> (a
    /// <see cref="Stopwatch"/> timestamp; zero once it passed), a millisecond while a commit is pending.
    /// </summary>
    internal static TimeSpan IdleWait(TimeSpan pollTime, bool commitPending, long now, long commitDue)
    {
        if (commitPending)
        {
            return PendingCommitPoll;
        }

        // In Stopwatch ticks a long interval (an hour is 3.6e12 on Linux) overflows when scaled by hand.
        var untilCommit = Stopwatch.GetElapsedTime(now, commitDue);
        return untilCommit <= TimeSpan.Zero ? TimeSpan.Zero : untilCommit < pollTime ? untilCommit : pollTime;
    }

    private static bool HasProcessable(TaskManager tasks)
    {
        foreach (var task in tasks.ActiveTasks)
        {
            if (!task.Restoring && !task.Suspended && task.Task.BufferedCount > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool CommitRequested(TaskManager tasks)
    {
        foreach (var task in tasks.ActiveTasks)
        {
            if (task.Task.CommitRequested)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Records of partitions whose task cannot run yet were handed over anyway (they arrived before the pause):
    /// rewind to the first of them and pause the partitions until the task is ready.
    /// </summary>
    private void BlockPartitionsOfWaitingTasks(IConsumer<byte[]?, byte[]?> consumer, TaskManager tasks)
    {
        if (_skipped.Count == 0 && !tasks.HasPendingOrRestoring)
        {
            // The common turn: every task runs, nothing to rewind or pause.
            return;
        }

        var assigned = consumer.Assignment.ToHashSet();
        var blocked = tasks.BlockedPartitions().Where(assigned.Contains).ToHashSet();
        foreach (var (partition, offset) in _skipped)
        {
            if (assigned.Contains(partition))
            {
                consumer.Seek(new TopicPartitionOffset(partition, offset));
                blocked.Add(partition);
            }
        }

        _skipped.Clear();
        var toPause = blocked.Except(consumer.Paused).ToList();
        if (toPause.Count > 0)
        {
            consumer.Pause(toPause);
        }
    }

    private void OnRecord(RawRecord record)
    {
        // Written only when the partition changes: a reference stored per record costs a write barrier each.
        var partition = record.TopicPartition;
        var task = _lastTask;
        if (!ReferenceEquals(partition, _lastPartition))
        {
            task = _tasks!.RunningTaskFor(partition);
            _lastPartition = partition;
            _lastTask = task;
            _lastReadsPartialCounts = task is not null && task.Task.ReadsPartialCounts(partition);
        }

        if (task is null)
        {
            _skipped.TryAdd(record.TopicPartition, record.Offset);
            return;
        }

        Headers? headers = null;
        if (_lastReadsPartialCounts && PartialCountSerde.IsMarkerOnly(record.Headers))
        {
            headers = PartialCountSerde.Marker;
        }
        else if (record.Headers.Count > 0)
        {
            headers = [];
            foreach (var header in record.Headers)
            {
                headers.Add(HeaderKey(header.Key.Span), header.Value?.ToArray());
            }
        }

        task.Task.AddRecord(new ConsumedRecord(partition.Topic, partition.Partition, record.Offset, record.Timestamp, record.TimestampType, record.Key, record.IsKeyNull, record.Value, record.IsValueNull, headers));
    }

    private string HeaderKey(ReadOnlySpan<byte> key)
    {
        var keys = _headerKeys.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!keys.TryGetValue(key, out var text))
        {
            text = System.Text.Encoding.UTF8.GetString(key);
            if (_headerKeys.Count < MaxHeaderKeys)
            {
                keys[key] = text;
            }
        }

        return text;
    }

    private void ForgetLastTask()
    {
        _lastPartition = null;
        _lastTask = null;
    }

    private void OnRevoked()
    {
        ForgetLastTask();
        SetState(StreamThreadState.PartitionsRevoked);
        try
        {
            _tasks!.Suspend(_consumer!);
        }
        catch (TaskMigratedException ex)
        {
            _tasks!.CloseAll(null, clean: false);
            LogMigrated(Name, ex.Message);
        }
        catch (Exception ex)
        {
            _callbackError ??= ex;
        }

        RunningStores = [];
    }

    private void OnAssigned()
    {
        ForgetLastTask();
        try
        {
            var assignment = _assignor.LatestAssignment!;
            if (assignment.Shutdown)
            {
                _callbackError ??= new StreamsShutdownRequestedException(assignment.Error!);
                return;
            }

            if (assignment.Error is { } error)
            {
                _callbackError ??= error.StartsWith("Source topic", StringComparison.Ordinal)
                    ? new StreamsException(error)
                    : new StreamsException($"The group leader refused an assignment: {error}");
                return;
            }

            _tasks!.Assign(assignment);
            SetState(StreamThreadState.PartitionsAssigned);
            PublishStores();
        }
        catch (Exception ex)
        {
            _callbackError ??= ex;
        }
    }

    private void OnLost()
    {
        ForgetLastTask();
        try
        {
            _tasks!.CloseAll(null, clean: false);
        }
        catch (Exception ex)
        {
            _callbackError ??= ex;
        }

        RunningStores = [];
    }

    /// <summary>Fenced or left behind by the group: drop the tasks uncommitted, get a new producer, rejoin.</summary>
    private void HandleMigrated(TaskMigratedException ex)
    {
        LogMigrated(Name, ex.Message);
        _tasks!.CloseAll(null, clean: false);
        RunningStores = [];
        if (ExactlyOnce)
        {
            _tasks.Producer.Dispose();
            _tasks.Producer = CreateProducer();
        }

        _consumer!.Unsubscribe();
        Subscribe();
        SetState(StreamThreadState.PartitionsRevoked);
    }

    /// <summary>Tells the group leader this instance wants every instance stopped, and waits until the group agreed.</summary>
    private void RequestApplicationShutdown()
    {
        if (_consumer is null)
        {
            return;
        }

        try
        {
            _assignor.ShutdownRequested = true;
            _tasks?.CloseAll(null, clean: false);
            _consumer.Unsubscribe();
            Subscribe();
            var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline && _assignor.LatestAssignment?.Shutdown != true)
            {
                _consumer.ConsumeRaw(static _ => { }, TimeSpan.FromMilliseconds(100));
            }
        }
        catch (Exception ex)
        {
            LogCloseFailed(ex, Name);
        }
    }

    private void PublishStores()
    {
        _activeSnapshot = _tasks!.Active.Keys.ToHashSet();
        _standbySnapshot = _tasks.Standby.Keys.ToHashSet();
        RunningStores = [.. _tasks!.Active.Values
            .Where(t => !t.Restoring && !t.Suspended)
            .Select(t => (t.Task.Id, t.Task.Stores))];
    }

    private void SetState(StreamThreadState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        _onStateChange(this);
    }

    private void DisposeClients()
    {
        try
        {
            _consumer?.Close();
            _consumer?.Dispose();
        }
        catch (Exception ex)
        {
            LogCloseFailed(ex, Name);
        }

        _changelogs?.Dispose();
        _tasks?.Producer.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Name.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 9130, Level = LogLevel.Error, Message = "{Thread} failed")]
    private partial void LogFailed(Exception exception, string thread);

    [LoggerMessage(EventId = 9131, Level = LogLevel.Warning, Message = "{Thread} could not close cleanly")]
    private partial void LogCloseFailed(Exception exception, string thread);

    [LoggerMessage(EventId = 9132, Level = LogLevel.Warning, Message = "{Thread} lost its tasks and rejoins the group: {Reason}")]
    private partial void LogMigrated(string thread, string reason);
}
