using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Errors;
using Platform.Connect.Metrics;
using Platform.Connect.Transforms;

namespace Platform.Connect.Runtime;

/// <summary>
/// Runs a <see cref="SinkTask"/> on its own consumer in group <c>connect-CONNECTOR</c>: consume → converters →
/// transforms → <see cref="SinkTask.PutAsync"/>. Offsets are committed every <c>offset.flush.interval.ms</c>, on
/// <see cref="ISinkTaskContext.RequestCommit"/>, on revocation and on stop, always the ones
/// <see cref="SinkTask.PreCommitAsync"/> returns. Partitions are opened and closed around rebalances; offsets the
/// task sets with <see cref="ISinkTaskContext.Offset"/> while opening become the start positions (exactly-once sinks).
/// A <see cref="RetriableException"/> from put pauses the task's partitions and redelivers the same batch after the
/// backoff while the consumer keeps polling, so the task stays in its group (as Kafka's WorkerSinkTask does).
/// </summary>
internal sealed partial class WorkerSinkTask : WorkerTask, ISinkTaskContext
{
    private readonly SinkTask _task;
    private readonly TagList _tags;
    private readonly ConcurrentQueue<Action<IConsumer<byte[]?, byte[]?>>> _control = new();
    private readonly ConcurrentDictionary<TopicPartitionRef, long> _seeks = new();
    private readonly Dictionary<TopicPartitionRef, long> _currentOffsets = [];
    private readonly HashSet<TopicPartitionRef> _pausedByTask = [];
    private ConverterSet _converters = null!;
    private TransformationChain _chain = TransformationChain.Empty;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private IReadOnlyCollection<TopicPartitionRef> _assignment = [];
    private TimeSpan? _timeout;
    private volatile bool _commitRequested;
    private bool _opening;
    private bool _stopped;

    public WorkerSinkTask(ConnectorTaskId id, IReadOnlyDictionary<string, string> connectorConfig, IReadOnlyDictionary<string, string> taskConfig,
        WorkerServices services, SinkTask task)
        : base(id, connectorConfig, taskConfig, services)
    {
        _task = task;
        _tags = ConnectMetrics.Tags(id.Connector, id.Task);
    }

    /// <summary>The consumer group of a sink connector's tasks.</summary>
    public static string GroupId(string connector) => $"connect-{connector}";

    IReadOnlyDictionary<string, string> ISinkTaskContext.Config => TaskConfig;

    public IReadOnlyCollection<TopicPartitionRef> Assignment => _assignment;

    public void Offset(TopicPartitionRef partition, long offset) => _seeks[partition] = offset;

    public void Timeout(TimeSpan backoff) => _timeout = backoff;

    public void Pause(IEnumerable<TopicPartitionRef> partitions)
    {
        var refs = partitions.ToList();
        _control.Enqueue(c =>
        {
            _pausedByTask.UnionWith(refs);
            c.Pause(refs.Select(p => new TopicPartition(p.Topic, p.Partition)));
        });
    }

    public void Resume(IEnumerable<TopicPartitionRef> partitions)
    {
        var refs = partitions.ToList();
        _control.Enqueue(c =>
        {
            _pausedByTask.ExceptWith(refs);
            if (!WaitingForRetry && !IsPaused)
            {
                c.Resume(refs.Select(p => new TopicPartition(p.Topic, p.Partition)));
            }
        });
    }

    public void RequestCommit() => _commitRequested = true;

    public async Task ReportErrantRecordAsync(SinkRecord record, Exception error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var index = _pendingRaw.Find(record.OriginalTopic, record.OriginalKafkaPartition, record.OriginalKafkaOffset);
        var context = index >= 0
            ? _pendingRaw.Context(index, typeof(SinkTask).FullName)
            : new DeadLetterContext(record.OriginalTopic, record.OriginalKafkaPartition, record.OriginalKafkaOffset,
                RecordConversion.BestEffortBytes(_converters.Key, record.Topic, record.KeySchema, record.Key),
                RecordConversion.BestEffortBytes(_converters.Value, record.Topic, record.ValueSchema, record.Value), [], _task.GetType().FullName);
        if (!await Errors.TolerateAsync(ErrorStage.TaskPut, error, context, cancellationToken).ConfigureAwait(false))
        {
            throw new ConnectException($"Tolerance exceeded in error handler (errors.tolerance=none) for a record reported by task {Id}: {error.Message}", error);
        }
    }

    protected override void OnPauseChanged(bool paused)
        => _control.Enqueue(c =>
        {
            if (paused)
            {
                c.Pause(c.Assignment);
            }
            else if (!WaitingForRetry)
            {
                ResumeUnlessPausedByTask(c);
            }
        });

    /// <summary>Whether a batch whose put failed waits for its retry (its partitions stay paused meanwhile).</summary>
    private bool WaitingForRetry => _pending is not null && _failures > 0;

    /// <summary>Resumes the assigned partitions, except those the task paused itself.</summary>
    private void ResumeUnlessPausedByTask(IConsumer<byte[]?, byte[]?> consumer)
        => consumer.Resume(consumer.Assignment.Where(tp => !_pausedByTask.Contains(new TopicPartitionRef(tp.Topic, tp.Partition))).ToList());

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        _converters = ConverterSet.Create(ConnectorConfig, Services.Plugins);
        _chain = TransformationChain.Create(ConnectorConfig, Services.Plugins);
        _jsonDocuments = _task.ReadsJsonDocuments
            ? (_converters.Key is Converters.JsonConverter { KeepsDocuments: true } k ? k : null, _converters.Value is Converters.JsonConverter { KeepsDocuments: true } v ? v : null)
            : (null, null);
        _checkDocumentsAfterPrepare = _chain.IsEmpty && (_jsonDocuments.Key is not null || _jsonDocuments.Value is not null);
        _task.Initialize(this);
        await _task.StartAsync(TaskConfig, cancellationToken).ConfigureAwait(false);
        _pendingRaw.Reuses = _nextRaw.Reuses = _task.RecordsMayBeReused && _chain.IsEmpty;
        var consumer = _consumer = BuildConsumer();
        try
        {
            Subscribe(consumer);
            if (IsPaused)
            {
                OnPauseChanged(true);
            }

            var nextCommit = Stopwatch.GetTimestamp() + (long)(Services.Options.OffsetFlushInterval.TotalSeconds * Stopwatch.Frequency);
            while (!cancellationToken.IsCancellationRequested)
            {
                ApplyControl(consumer);
                await PollAndDeliverAsync(consumer, cancellationToken).ConfigureAwait(false);

                if (_commitRequested || Stopwatch.GetTimestamp() >= nextCommit)
                {
                    _commitRequested = false;
                    await CommitAsync(consumer, null, cancellationToken).ConfigureAwait(false);
                    nextCommit = Stopwatch.GetTimestamp() + (long)(Services.Options.OffsetFlushInterval.TotalSeconds * Stopwatch.Frequency);
                }

                Services.Metrics.SetLag(Id.Connector, Id.Task, consumer.Assignment.Sum(tp => consumer.CurrentLag(tp) ?? 0));
            }
        }
        finally
        {
            await ShutdownAsync(consumer).ConfigureAwait(false);
        }
    }

    private async Task ShutdownAsync(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            if (!Failed)
            {
                await CommitAsync(consumer, null, CancellationToken.None).ConfigureAwait(false);
            }

            await _task.CloseAsync(_assignment, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _assignment = [];
            _stopped = true;
            try
            {
                // Leave the group at once, so the partitions move to the other tasks without waiting for the session timeout.
                // The revocation this calls back finds the partitions committed and closed above (Kafka's task skips it too).
                consumer.Close();
            }
            finally
            {
                consumer.Dispose();
                await _task.StopAsync(CancellationToken.None).ConfigureAwait(false);
                Services.Metrics.RemoveLag(Id.Connector, Id.Task);
            }
        }
    }

    private IConsumer<byte[]?, byte[]?> BuildConsumer()
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = Services.Options.BootstrapServers,
            ["client.id"] = $"connector-consumer-{Id}",
            ["group.id"] = GroupId(Id.Connector),
            ["enable.auto.commit"] = "false",
            ["auto.offset.reset"] = "earliest",
            ["isolation.level"] = "read_committed",

            // Topics (and regex matches) that appear after the task started are found within this time.
            ["metadata.max.age.ms"] = "10000",
        };
        foreach (var (key, value) in Services.Options.ConsumerOverrides)
        {
            config[key] = value;
        }

        // A sink writes batch.size records per statement or request: polls of that size fill them (unless set explicitly).
        if (ConnectorConfig.TryGetValue("batch.size", out var batchSize) && int.TryParse(batchSize, System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture, out var size) && size > 0 && !Services.Options.ConsumerOverrides.ContainsKey("max.poll.records"))
        {
            config["max.poll.records"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in ConnectorConfig.Where(kv => kv.Key.StartsWith("consumer.override.", StringComparison.Ordinal)))
        {
            config[key["consumer.override.".Length..]] = value;
        }

        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler((c, revoked) => OnRevoked(c, revoked, commit: true))
            .SetPartitionsLostHandler((c, lost) => OnRevoked(c, lost, commit: false))
            .Build();
    }

    private void Subscribe(IConsumer<byte[]?, byte[]?> consumer)
    {
        var topics = TaskConfig.TryGetValue(Runtime.ConnectorConfig.Topics, out var t) ? t : ConnectorConfig.GetValueOrDefault(Runtime.ConnectorConfig.Topics, "");
        var regex = TaskConfig.TryGetValue(Runtime.ConnectorConfig.TopicsRegex, out var r) ? r : ConnectorConfig.GetValueOrDefault(Runtime.ConnectorConfig.TopicsRegex, "");
        if (!string.IsNullOrWhiteSpace(regex))
        {
            consumer.Subscribe(new Regex(regex.Trim()));
        }
        else
        {
            consumer.Subscribe(topics.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        }
    }

    // Rebalance callbacks run on this task's thread inside ConsumeRaw; waiting there for the put in flight and blocking on
    // the task's async methods is what keeps Open/Close ordered with the puts around them.
    private IEnumerable<TopicPartitionOffset>? OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        CompletePutInFlight(consumer);
        var refs = partitions.Select(p => new TopicPartitionRef(p.Topic, p.Partition)).ToList();
        _assignment = [.. _assignment.Union(refs)];
        _opening = true;
        try
        {
            OpenWithRetries(refs);
        }
        finally
        {
            _opening = false;
        }

        if (WaitingForRetry)
        {
            _control.Enqueue(c => c.Pause(partitions));
        }

        var starts = new List<TopicPartitionOffset>();
        foreach (var p in refs)
        {
            if (_seeks.TryRemove(p, out var offset))
            {
                starts.Add(new TopicPartitionOffset(p.Topic, p.Partition, offset));
            }
        }

        if (IsPaused)
        {
            _control.Enqueue(c => c.Pause(partitions));
        }

        return starts.Count > 0 ? starts : null;
    }

    /// <summary>
    /// Opens the partitions, retrying a retriable failure (a database still down) with the runtime's backoff until
    /// <c>errors.retry.timeout</c>; then the task fails with the reason.
    /// </summary>
    private void OpenWithRetries(IReadOnlyCollection<TopicPartitionRef> partitions)
    {
        var started = DateTime.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _task.OpenAsync(partitions).GetAwaiter().GetResult();
                return;
            }
            catch (Exception e) when (ErrorHandler.IsRetriable(e))
            {
                Thread.Sleep(Errors.NextRetryDelay(ErrorStage.TaskPut, e, started, attempt));
            }
        }
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> revoked, bool commit)
    {
        if (_stopped)
        {
            return;
        }

        CompletePutInFlight(consumer);
        var refs = revoked.Select(p => new TopicPartitionRef(p.Topic, p.Partition)).ToList();
        if (commit && !Failed)
        {
            CommitAsync(consumer, refs, CancellationToken.None).GetAwaiter().GetResult();
        }

        _task.CloseAsync(refs).GetAwaiter().GetResult();
        foreach (var p in refs)
        {
            _currentOffsets.Remove(p);
            _pausedByTask.Remove(p);
        }

        DropRevoked(refs);

        _assignment = [.. _assignment.Except(refs)];
    }

    private void ApplyControl(IConsumer<byte[]?, byte[]?> consumer)
    {
        while (_control.TryDequeue(out var action))
        {
            action(consumer);
        }

        if (!_opening && !_seeks.IsEmpty)
        {
            foreach (var (partition, offset) in _seeks.ToArray())
            {
                if (_assignment.Contains(partition))
                {
                    consumer.Seek(new TopicPartitionOffset(partition.Topic, partition.Partition, offset));
                    _currentOffsets[partition] = offset;
                }

                _seeks.TryRemove(partition, out _);
            }
        }
    }

    private async Task CommitAsync(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyCollection<TopicPartitionRef>? only, CancellationToken cancellationToken)
    {
        var current = _currentOffsets.Where(kv => only is null || only.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (current.Count == 0)
        {
            return;
        }

        try
        {
            var safe = await _task.PreCommitAsync(current, cancellationToken).ConfigureAwait(false);
            var offsets = safe.Where(kv => kv.Value >= 0).Select(kv => new TopicPartitionOffset(kv.Key.Topic, kv.Key.Partition, kv.Value)).ToList();
            if (offsets.Count > 0)
            {
                consumer.Commit(offsets);
            }
        }
        catch (Exception e) when (e is KafkaException or RetriableException)
        {
            // The next commit carries the same or later offsets; a redelivery after a crash is at-least-once.
            Logger.LogCommitFailed(e, Id.Connector, Id.Task);
        }
    }
}
