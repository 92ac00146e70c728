using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.Runtime.Assignment;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Runtime;

/// <summary>
/// A stream thread's tasks (Kafka's <c>TaskManager</c>): creates active tasks for the partition groups the
/// assignor gives the thread and standby tasks for its standbys, restores their stores through the
/// <see cref="ChangelogReader"/>, routes consumed records, commits (stores flushed, outputs sent, offsets
/// committed, checkpoints written), and closes tasks cleanly or dirty. Everything runs on the thread.
/// </summary>
internal sealed partial class TaskManager
{
    /// <summary>Changelog records between two checkpoints written on commit (Kafka's OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT).</summary>
    private const long CheckpointDelta = 10_000;

    private readonly TopologyMetadata _topology;
    private readonly StreamsConfig _config;
    private readonly StateDirectory _stateDirectory;
    private readonly ChangelogReader _changelogs;
    private readonly ThreadCache? _cache;
    private readonly CombinerTables _combiners = new();
    private readonly ILogger _logger;
    private readonly object _owner;
    private readonly IProductionExceptionHandler _productionHandler;
    private readonly Func<string, int> _partitionCount;
    private readonly IReadOnlyDictionary<string, IStateStore> _globalStores;
    private readonly Dictionary<TaskId, ActiveTask> _active = [];
    private readonly Dictionary<TaskId, StandbyTask> _standby = [];
    private readonly Dictionary<TaskId, IReadOnlyList<TopicPartition>> _pendingActive = [];
    private readonly HashSet<TaskId> _pendingStandby = [];
    private readonly Dictionary<TopicPartition, ActiveTask> _byPartition = [];
    private PendingCommit? _pendingCommit;

    /// <summary>A task manager for the thread <paramref name="owner"/>.</summary>
    public TaskManager(
        TopologyMetadata topology,
        StateDirectory stateDirectory,
        ChangelogReader changelogs,
        StreamsProducer producer,
        IProductionExceptionHandler productionHandler,
        Func<string, int> partitionCount,
        IReadOnlyDictionary<string, IStateStore> globalStores,
        object owner,
        ILogger logger)
    {
        _topology = topology;
        _config = topology.Config;
        _stateDirectory = stateDirectory;
        _changelogs = changelogs;
        Producer = producer;
        _productionHandler = productionHandler;
        _partitionCount = partitionCount;
        _globalStores = globalStores;
        _owner = owner;
        _logger = logger;
        var cacheBytes = _config.StateStoreCacheMaxBytes;
        _cache = cacheBytes > 0 ? new ThreadCache(cacheBytes) : null;
    }

    /// <summary>The main consumer's fetched lag per input partition, for the tasks' <c>max.task.idle.ms</c>.</summary>
    public Func<TopicPartition, long?>? FetchedLag { get; set; }

    /// <summary>The thread's producer (replaced after it was fenced).</summary>
    public StreamsProducer Producer { get; set; }

    /// <summary>The active tasks, by id.</summary>
    public IReadOnlyDictionary<TaskId, ActiveTask> Active => _active;

    /// <summary>The active tasks, enumerable without an allocation (the thread walks them every loop turn).</summary>
    public Dictionary<TaskId, ActiveTask>.ValueCollection ActiveTasks => _active.Values;

    /// <summary>The standby tasks, by id.</summary>
    public IReadOnlyDictionary<TaskId, StandbyTask> Standby => _standby;

    /// <summary>Whether some assigned task is not running yet (waiting for its folder, or restoring).</summary>
    public bool HasPendingOrRestoring
    {
        get
        {
            if (_pendingActive.Count > 0)
            {
                return true;
            }

            foreach (var task in _active.Values)
            {
                if (task.Restoring)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// What this thread reports when it joins: the tasks it ran (they return to it) and, for every task with
    /// state here, <see cref="SubscriptionInfo.RunningActive"/> or its checkpointed offset sum.
    /// </summary>
    public (IReadOnlyDictionary<TaskId, long> OffsetSums, IReadOnlySet<TaskId> ThreadTasks) LocalState()
    {
        var sums = new Dictionary<TaskId, long>();
        foreach (var task in _stateDirectory.TasksOnDisk())
        {
            try
            {
                var checkpoint = _stateDirectory.Checkpoint(task).Read();
                sums[task] = checkpoint.Values.Sum();
            }
            catch (InvalidDataException)
            {
                // A damaged checkpoint is as good as none.
            }
        }

        foreach (var (task, standby) in _standby)
        {
            sums[task] = standby.CheckpointOffsets().Values.Sum();
        }

        foreach (var task in _active.Keys)
        {
            sums[task] = SubscriptionInfo.RunningActive;
        }

        return (sums, _active.Keys.ToHashSet());
    }

    /// <summary>The task reading <paramref name="partition"/> if it is ready to take records.</summary>
    public ActiveTask? RunningTaskFor(TopicPartition partition)
        => _byPartition.TryGetValue(partition, out var task) && !task.Restoring && !task.Suspended ? task : null;

    /// <summary>Input partitions whose task cannot take records yet (pending or restoring).</summary>
    public IEnumerable<TopicPartition> BlockedPartitions()
    {
        foreach (var partitions in _pendingActive.Values)
        {
            foreach (var partition in partitions)
            {
                yield return partition;
            }
        }

        foreach (var task in _active.Values.Where(t => t.Restoring))
        {
            foreach (var partition in task.Task.InputPartitions)
            {
                yield return partition;
            }
        }
    }

    /// <summary>
    /// Partitions were revoked (eager rebalance): commit everything and, outside exactly-once, checkpoint (as
    /// Kafka does on suspend); the tasks stay open in case they come back.
    /// </summary>
    public void Suspend(IConsumer<byte[]?, byte[]?> consumer)
    {
        Commit(consumer, force: true);
        foreach (var task in _active.Values)
        {
            if (!Producer.ExactlyOnce && !task.Restoring && !task.Suspended)
            {
                WriteCheckpoint(task);
            }

            task.Suspended = true;
        }

        _byPartition.Clear();
        _pendingActive.Clear();
    }

    /// <summary>
    /// Applies a new assignment: suspended tasks it keeps resume, those it lost close cleanly, new ones are
    /// created (or wait for a folder another thread of this instance still holds); the same for standbys.
    /// </summary>
    public void Assign(AssignmentInfo assignment)
    {
        foreach (var (id, task) in _active.ToList())
        {
            if (!assignment.ActiveTasks.ContainsKey(id))
            {
                CloseActive(id, task, clean: true);
            }
            else
            {
                task.Suspended = false;
            }
        }

        foreach (var (id, standby) in _standby.ToList())
        {
            if (!assignment.StandbyTasks.Contains(id) || assignment.ActiveTasks.ContainsKey(id))
            {
                CloseStandby(id, standby);
            }
        }

        _pendingActive.Clear();
        _pendingStandby.Clear();
        foreach (var (id, partitions) in assignment.ActiveTasks)
        {
            if (!_active.ContainsKey(id))
            {
                _pendingActive[id] = partitions;
            }
        }

        foreach (var id in assignment.StandbyTasks)
        {
            if (!_standby.ContainsKey(id) && !assignment.ActiveTasks.ContainsKey(id))
            {
                _pendingStandby.Add(id);
            }
        }

        CreatePendingTasks();
    }

    /// <summary>Creates the tasks whose folders have become free.</summary>
    public void CreatePendingTasks()
    {
        foreach (var (id, partitions) in _pendingActive.ToList())
        {
            if (TryCreateActive(id, partitions))
            {
                _pendingActive.Remove(id);
            }
        }

        foreach (var id in _pendingStandby.ToList())
        {
            if (TryCreateStandby(id))
            {
                _pendingStandby.Remove(id);
            }
        }

        RebuildRouting();
    }

    /// <summary>Starts the tasks whose stores finished restoring; returns their input partitions (to resume).</summary>
    public List<TopicPartition> CompleteRestoration()
    {
        var resumed = new List<TopicPartition>();
        foreach (var task in _active.Values.Where(t => t.Restoring))
        {
            if (_changelogs.Completed(task.Changelogs.Select(c => c.Partition)))
            {
                task.Task.InitializeTopology();
                task.Restoring = false;
                resumed.AddRange(task.Task.InputPartitions);
                LogRestored(task.Task.Id);
            }
        }

        return resumed;
    }

    /// <summary>
    /// Commits the tasks that need it (all with <paramref name="force"/>): their stores' caches are flushed, every
    /// record they sent is acknowledged, then their input offsets are committed (under exactly-once in the
    /// producer's transaction with the consumer's group metadata). A checkpoint, which flushes the stores
    /// themselves first, follows every <see cref="CheckpointDelta"/> changelog records, outside exactly-once.
    /// The commit is pipelined unless forced (or, under at_least_once, a store on disk is due for a checkpoint): the
    /// thread goes on processing while the records sent before it are acknowledged (sent at once, without
    /// <c>linger.ms</c>), and <see cref="PollCommit"/> commits the offsets when they are; under exactly-once the
    /// stream thread's appender commits the transaction behind those records while the thread's next records wait
    /// for it there. One commit is pending at most: the next one waits for it, so offsets are committed in order and
    /// only behind acknowledged outputs, and the thread runs at most two commit intervals ahead of the acknowledgements.
    /// </summary>
    /// <returns>How many tasks were committed (or snapshotted for a pending commit).</returns>
    /// <exception cref="TaskMigratedException">The producer was fenced or the group refused the offsets.</exception>
    public int Commit(IConsumer<byte[]?, byte[]?> consumer, bool force)
    {
        // The commit before this one completes first (ordered offsets, one pending at most).
        CompletePendingCommit(consumer, wait: true);

        var committing = _active.Values.Where(t => !t.Restoring && !t.Suspended && (force || t.Task.CommitNeeded)).ToList();
        if (committing.Count == 0 && _standby.Count == 0)
        {
            return 0;
        }

        var offsets = new List<TopicPartitionOffset>();
        foreach (var task in committing)
        {
            offsets.AddRange(task.Task.PrepareCommit());
        }

        // Staged records (with those the tasks' caches forwarded just now) go before the commit that covers them,
        // and a record refused on the way fails the commit (so under exactly-once they are appended before it).
        if (Producer.ExactlyOnce)
        {
            // The appender commits behind the records staged so far while the thread goes on with the next
            // transaction's; the commit completes at the next one, at a turn of the loop that finds it done, or now.
            var transaction = Producer.BeginCommit(offsets, consumer.ConsumerGroupMetadata, () =>
            {
                foreach (var task in committing)
                {
                    task.Collector.ThrowIfSendFailed();
                }
            });
            foreach (var task in committing)
            {
                task.Task.PostCommit();
            }

            if (transaction is not null)
            {
                _pendingCommit = new PendingCommit(0, offsets, committing) { Transaction = transaction };
                CompletePendingCommit(consumer, wait: force);
            }

            return committing.Count;
        }

        Producer.SendStaged();

        // The offsets are taken: what the tasks process from here on belongs to the next commit.
        foreach (var task in committing)
        {
            task.Task.PostCommit();
        }

        var generation = Producer.Generations.CloseGeneration();
        _pendingCommit = new PendingCommit(generation, offsets, committing);
        var wait = force || committing.Exists(t => t.HoldsDiskState && CheckpointDue(t));
        if (!wait)
        {
            Producer.SendWaiting();
        }

        CompletePendingCommit(consumer, wait);
        return committing.Count;
    }

    /// <summary>Whether a commit is pending (waiting for acknowledgements, for the group, or for its transaction).</summary>
    public bool CommitPending => _pendingCommit is not null;

    /// <summary>Completes the pending commit as far as it can without waiting (every loop turn).</summary>
    /// <exception cref="TaskMigratedException">The group refused the offsets, or the transaction did not commit.</exception>
    public void PollCommit(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_pendingCommit is not null)
        {
            CompletePendingCommit(consumer, wait: false);
        }
    }

    /// <summary>
    /// Moves the pending commit on: once every record of its generation is reported (waiting for that when
    /// <paramref name="wait"/>), send failures are raised and its offsets go to the group; once the group has
    /// them (waited for likewise), checkpoints follow.
    /// </summary>
    private void CompletePendingCommit(IConsumer<byte[]?, byte[]?> consumer, bool wait)
    {
        if (_pendingCommit is not { } pending)
        {
            return;
        }

        if (pending.Transaction is { } transaction)
        {
            if (!transaction.Done && !wait)
            {
                return;
            }

            _pendingCommit = null;
            Producer.CompleteCommit(transaction);
            return;
        }

        if (pending.Committing is null)
        {
            if (!Producer.Generations.Reported(pending.Generation))
            {
                if (!wait)
                {
                    return;
                }

                Producer.Generations.WaitReported(pending.Generation);
            }

            try
            {
                foreach (var task in pending.Tasks)
                {
                    task.Collector.ThrowIfSendFailed();
                }

                if (pending.Offsets.Count > 0)
                {
                    pending.Committing = consumer.CommitAsync(pending.Offsets);
                }
            }
            catch
            {
                _pendingCommit = null;
                throw;
            }
        }

        if (pending.Committing is { IsCompleted: false } && !wait)
        {
            return;
        }

        _pendingCommit = null;
        if (pending.Committing is { } committing)
        {
            try
            {
                committing.GetAwaiter().GetResult();
            }
            catch (TopicPartitionOffsetException ex) when (ex.Results.Any(r => r.Error.Code is Protocol.ErrorCode.IllegalGeneration or Protocol.ErrorCode.UnknownMemberId or Protocol.ErrorCode.RebalanceInProgress or Protocol.ErrorCode.FencedInstanceId))
            {
                throw new TaskMigratedException($"The group refused the offset commit: it rebalanced without this member ({ex.Message}).", ex);
            }
        }

        foreach (var task in pending.Tasks)
        {
            // A task closed meanwhile wrote its checkpoint when it closed.
            if (_active.TryGetValue(task.Task.Id, out var current) && ReferenceEquals(current, task))
            {
                MaybeWriteCheckpoint(task);
            }
        }

        foreach (var (id, standby) in _standby)
        {
            MaybeWriteCheckpoint(id, standby);
        }
    }

    /// <summary>Forgets the pending commit (its tasks are closed dirty: nothing of it may be committed).</summary>
    private void DropPendingCommit() => _pendingCommit = null;

    /// <summary>Closes every task: cleanly (commit first, checkpoints written) or dirty (after a failure or a fence).</summary>
    public void CloseAll(IConsumer<byte[]?, byte[]?>? consumer, bool clean)
    {
        if (clean && consumer is not null)
        {
            Commit(consumer, force: true);
        }
        else
        {
            DropPendingCommit();
            _combiners.Clear();
            Producer.AbortTransaction();
        }

        foreach (var (id, task) in _active.ToList())
        {
            CloseActive(id, task, clean);
        }

        foreach (var (id, standby) in _standby.ToList())
        {
            CloseStandby(id, standby);
        }

        _pendingActive.Clear();
        _pendingStandby.Clear();
        _byPartition.Clear();
    }

    /// <summary>The stores named <paramref name="storeName"/> of the running active tasks (for interactive queries).</summary>
    public List<(TaskId Task, IStateStore Store)> StoresNamed(string storeName)
        => [.. _active.Values
            .Where(t => !t.Restoring && !t.Suspended && t.Task.Stores.ContainsKey(storeName))
            .Select(t => (t.Task.Id, t.Task.Stores[storeName]))];

    private void RebuildRouting()
    {
        _byPartition.Clear();
        foreach (var task in _active.Values.Where(t => !t.Suspended))
        {
            foreach (var partition in task.Task.InputPartitions)
            {
                _byPartition[partition] = task;
            }
        }
    }

    private static void FlushStores(StreamTask task)
    {
        foreach (var registration in task.Registrations)
        {
            registration.Store.Flush();
        }
    }

    /// <summary>
    /// As Kafka does on commit: a checkpoint only once its changelogs moved on by <see cref="CheckpointDelta"/>
    /// records since the last one (a file write, fsync and rename per task per commit is too much at
    /// commit.interval.ms=100; a crash replays at most that many more records). Closing always writes one.
    /// </summary>
    private void MaybeWriteCheckpoint(ActiveTask task)
    {
        if (CheckpointDue(task))
        {
            WriteCheckpoint(task);
        }
    }

    private static bool CheckpointDue(ActiveTask task) => Sum(task.CheckpointOffsets()) - task.CheckpointedOffsetSum > CheckpointDelta;

    /// <summary>Flushes the task's stores to their storage, then writes the offsets they now hold durably.</summary>
    private void WriteCheckpoint(ActiveTask task)
    {
        task.Task.FlushStores();
        var offsets = task.CheckpointOffsets();
        WriteCheckpoint(task.Task.Id, offsets);
        task.CheckpointedOffsetSum = Sum(offsets);
    }

    /// <summary>A standby's checkpoint, on the same threshold as an active task's.</summary>
    private void MaybeWriteCheckpoint(TaskId id, StandbyTask standby)
    {
        var offsets = standby.CheckpointOffsets();
        var sum = Sum(offsets);
        if (sum - standby.CheckpointedOffsetSum > CheckpointDelta)
        {
            FlushStores(standby.Task);
            WriteCheckpoint(id, offsets);
            standby.CheckpointedOffsetSum = sum;
        }
    }

    private static long Sum(Dictionary<TopicPartition, long> offsets)
    {
        var sum = 0L;
        foreach (var offset in offsets.Values)
        {
            sum += offset;
        }

        return sum;
    }

    private void WriteCheckpoint(TaskId id, Dictionary<TopicPartition, long> offsets)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        _stateDirectory.TaskDirectory(id);
        _stateDirectory.Checkpoint(id).Write(offsets);
    }

    /// <summary>
    /// A commit in flight: at_least_once, waiting for its generation's records to be acknowledged, then for the
    /// group; exactly-once, its transaction's commit on the appender's thread.
    /// </summary>
    private sealed class PendingCommit(long generation, List<TopicPartitionOffset> offsets, List<ActiveTask> tasks)
    {
        public long Generation { get; } = generation;

        public List<TopicPartitionOffset> Offsets { get; } = offsets;

        public List<ActiveTask> Tasks { get; } = tasks;

        /// <summary>The offset commit, once sent.</summary>
        public Task? Committing { get; set; }

        /// <summary>Under exactly-once: the transaction's commit the appender runs.</summary>
        public TransactionCommit? Transaction { get; init; }
    }

    [LoggerMessage(EventId = 9120, Level = LogLevel.Information, Message = "Task {Task} restored its stores and starts processing")]
    private partial void LogRestored(TaskId task);

    [LoggerMessage(EventId = 9121, Level = LogLevel.Information, Message = "Task {Task} created with input {Partitions}, {Changelogs} changelog partitions to restore")]
    private partial void LogCreated(TaskId task, IReadOnlyList<TopicPartition> partitions, int changelogs);

    [LoggerMessage(EventId = 9122, Level = LogLevel.Information, Message = "Task {Task} closed ({How})")]
    private partial void LogClosed(TaskId task, string how);

    [LoggerMessage(EventId = 9123, Level = LogLevel.Warning, Message = "Task {Task} has state but no checkpoint under exactly-once (a crash left uncommitted writes): wiping it to restore from the changelog")]
    private partial void LogWiped(TaskId task);

    [LoggerMessage(EventId = 9124, Level = LogLevel.Warning, Message = "Task {Task} has a checkpoint past the end of changelog {Partitions} (the topic was created again, or this is another cluster): wiping its state to restore from the changelog")]
    private partial void LogCheckpointPastTheEnd(TaskId task, string partitions);
}
