using Platform.Client;
using Platform.Streams.Errors;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Processors.Internal;

/// <summary>
/// One task: a sub-topology's nodes and stores for one partition of its inputs. The stream thread (or the test
/// driver) hands it consumed records; it buffers them per partition and processes the one with the smallest
/// timestamp next, keeps stream time, fires punctuators, and on commit flushes its stores and reports the
/// offsets to commit. All calls come from one thread.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="InitializeStores"/>, restore through <see cref="Registrations"/>,
/// <see cref="InitializeTopology"/>, then <see cref="AddRecord"/>/<see cref="Process"/>/punctuate/commit,
/// and finally <see cref="Close"/>.
/// </remarks>
internal sealed class StreamTask
{
    private readonly TaskContext _context;
    private readonly StoreContext _storeContext;
    private readonly ProcessorNode[] _nodes;
    private readonly Func<string, SourceNode?>? _resolveSource;
    private RecordQueue[] _queues;
    private string? _lastTopic;
    private RecordQueue? _lastQueue;
    private readonly IReadOnlyList<IStoreBuilder> _storeBuilders;
    private readonly Stack<StampedRecord> _pool = new();
    private readonly Action<PunctuationSchedule, long> _fire;
    private bool _direct;
    private readonly long _maxTaskIdleMs;
    private readonly Func<TopicPartition, long?>? _fetchedLag;
    private IStateStore[] _stores = [];
    private int _buffered;
    private bool _commitNeeded;
    private bool _topologyInitialized;
    private bool _closed;

    public StreamTask(
        TaskId id,
        string applicationId,
        IReadOnlyList<ProcessorNode> nodes,
        IReadOnlyList<(TopicPartition Partition, SourceNode Source)> inputs,
        IReadOnlyList<IStoreBuilder> storeBuilders,
        Func<string, string?> changelogTopicOf,
        TaskEnvironment environment,
        Func<string, SourceNode?>? resolveSource = null)
    {
        _resolveSource = resolveSource;
        Id = id;
        _context = new TaskContext(applicationId, id, environment.Config, environment.Collector, environment.Clock, environment.Logger)
        {
            GlobalStores = environment.GlobalStores,
            Combiners = environment.Combiners,
        };
        _storeContext = new StoreContext(_context, environment.TaskDirectory(applicationId, id), environment.Cache, changelogTopicOf);
        _nodes = [.. nodes];
        _queues = new RecordQueue[inputs.Count];
        var partitions = new TopicPartition[inputs.Count];
        for (var i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new RecordQueue(inputs[i].Partition, inputs[i].Source);
            partitions[i] = inputs[i].Partition;
        }

        InputPartitions = partitions;
        _storeBuilders = storeBuilders;
        _fire = Fire;
        _maxTaskIdleMs = environment.Config.MaxTaskIdleMs;
        _fetchedLag = environment.FetchedLag;

        // With one input partition there is nothing to order, so records are processed as they arrive, straight
        // from the consumer's buffers. A dead-letter topic needs the raw bytes kept, which the buffered path does.
        _direct = _queues.Length == 1 && _context.DeadLetterQueueTopic is null;
    }

    public TaskId Id { get; }

    /// <summary>The input partitions, one per source topic.</summary>
    public IReadOnlyList<TopicPartition> InputPartitions { get; private set; }

    /// <summary>The stores with their changelogs and restore callbacks, after <see cref="InitializeStores"/>.</summary>
    public IReadOnlyList<StoreRegistration> Registrations => _storeContext.Registrations;

    /// <summary>The task's stores by name (outermost layer).</summary>
    public IReadOnlyDictionary<string, IStateStore> Stores => _context.Stores;

    /// <summary>The task's stream time, -1 before the first record.</summary>
    public long StreamTime => _context.StreamTime;

    /// <summary>Records buffered and not yet processed.</summary>
    public int BufferedCount => _buffered;

    /// <summary>Whether something was processed or punctuated since the last commit, or a processor asked for a commit.</summary>
    public bool CommitNeeded => _commitNeeded || _context.CommitRequested;

    /// <summary>Whether a processor called <c>Commit()</c>.</summary>
    public bool CommitRequested => _context.CommitRequested;

    /// <summary>Records buffered for one partition (the runtime pauses a partition above <c>buffered.records.per.partition</c>).</summary>
    public int BufferedCountOf(TopicPartition partition)
    {
        foreach (var queue in _queues)
        {
            if (queue.TopicPartition == partition)
            {
                return queue.Count;
            }
        }

        return 0;
    }

    /// <summary>Builds and opens the stores; each registers its changelog and restore callback.</summary>
    public void InitializeStores()
    {
        var stores = new IStateStore[_storeBuilders.Count];
        for (var i = 0; i < stores.Length; i++)
        {
            var store = _storeBuilders[i].BuildStore();
            store.Init(_storeContext, store);
            _context.Stores[store.Name] = store;
            stores[i] = store;
        }

        _stores = stores;
    }

    /// <summary>Initializes the nodes (processors look up stores and schedule punctuators here); call after restoring.</summary>
    public void InitializeTopology()
    {
        foreach (var node in _nodes)
        {
            node.Init(_context);
        }

        _topologyInitialized = true;
    }

    /// <summary>
    /// Takes one consumed record of an input partition. It is buffered (bytes copied), or, for a task with a
    /// single input partition, processed at once.
    /// </summary>
    /// <exception cref="StreamsException">Processing failed and the handlers said fail; the task must be closed.</exception>
    public void AddRecord(in ConsumedRecord record)
    {
        var queue = QueueOf(record.Topic, record.Partition);
        if (_direct && _buffered == 0)
        {
            var timestamp = queue.Source.ProcessDirect(record, queue.PartitionTime);
            if (timestamp > queue.PartitionTime)
            {
                queue.PartitionTime = timestamp;
            }

            queue.ConsumedOffset = record.Offset;
            _commitNeeded = true;
            MaybePunctuateStreamTime();
            return;
        }

        var stamped = _pool.Count > 0 ? _pool.Pop() : new StampedRecord();
        stamped.Fill(record);
        if (!queue.Source.Stamp(stamped, queue.PartitionTime))
        {
            stamped.Skip = true;
            stamped.Timestamp = -1;
        }
        else if (stamped.Timestamp > queue.PartitionTime)
        {
            queue.PartitionTime = stamped.Timestamp;
        }

        queue.Enqueue(stamped);
        _buffered++;
    }

    /// <summary>
    /// Whether <see cref="Process"/> may go on (Kafka's KIP-695 rules): data is buffered for some partition and
    /// every empty partition is known to be caught up (the consumer's fetched lag is 0) and has stayed empty for
    /// <c>max.task.idle.ms</c>. An empty partition whose lag is unknown or above 0 has data on the way: the task
    /// waits for it, so records are processed in timestamp order across partitions. With
    /// <c>max.task.idle.ms</c> = -1 the task never waits.
    /// </summary>
    public bool IsProcessable(long nowMs)
    {
        if (_buffered == 0)
        {
            return false;
        }

        if (_maxTaskIdleMs < 0)
        {
            return true;
        }

        var ready = true;
        foreach (var queue in _queues)
        {
            if (queue.Count > 0)
            {
                queue.IdleDeadlineMs = -1;
                continue;
            }

            var lag = _fetchedLag is null ? 0 : _fetchedLag(queue.TopicPartition);
            if (lag is not 0)
            {
                // Unknown (no fetch answered yet) or more data on the broker: wait for it.
                queue.IdleDeadlineMs = -1;
                ready = false;
                continue;
            }

            if (queue.IdleDeadlineMs < 0)
            {
                queue.IdleDeadlineMs = nowMs + _maxTaskIdleMs;
            }

            if (nowMs < queue.IdleDeadlineMs)
            {
                ready = false;
            }
        }

        return ready;
    }

    /// <summary>Processes the buffered record with the smallest timestamp; false when nothing is buffered.</summary>
    /// <exception cref="StreamsException">Processing failed and the handlers said fail; the task must be closed.</exception>
    public bool Process()
    {
        if (_buffered == 0)
        {
            return false;
        }

        RecordQueue? next = null;
        foreach (var queue in _queues)
        {
            if (queue.Count > 0 && (next is null || queue.HeadTimestamp < next.HeadTimestamp))
            {
                next = queue;
            }
        }

        var record = next!.Dequeue();
        _buffered--;
        try
        {
            if (!record.Skip)
            {
                next.Source.ProcessQueued(record);
            }

            next.ConsumedOffset = record.Offset;
            _commitNeeded = true;
        }
        finally
        {
            _context.RawKey = null;
            _context.RawValue = null;
            record.Release();
            _pool.Push(record);
        }

        MaybePunctuateStreamTime();
        return true;
    }

    /// <summary>Fires the stream-time punctuators due at the current stream time.</summary>
    public bool MaybePunctuateStreamTime()
    {
        var streamTime = _context.StreamTime;
        return streamTime >= 0 && _context.StreamTimePunctuations.MayPunctuate(streamTime, _fire);
    }

    /// <summary>Fires the wall-clock punctuators due now.</summary>
    public bool MaybePunctuateSystemTime() => _context.WallClockPunctuations.MayPunctuate(_context.Clock.NowMs, _fire);

    /// <summary>
    /// Flushes the stores' caches (cached updates go downstream and to the changelogs; the stores beneath are
    /// flushed only for a checkpoint, see <see cref="FlushStores"/>), then the combiners (which caches may forward
    /// into, and which forward only to sinks), and returns the input offsets to commit (the
    /// next offset to read per partition that progressed). Send them, then call <see cref="PostCommit"/>.
    /// </summary>
    public IReadOnlyList<TopicPartitionOffset> PrepareCommit()
    {
        FlushCaches();
        var offsets = new List<TopicPartitionOffset>(_queues.Length);
        foreach (var queue in _queues)
        {
            if (queue.ConsumedOffset > queue.CommittedOffset)
            {
                offsets.Add(new TopicPartitionOffset(queue.TopicPartition, queue.ConsumedOffset + 1));
            }
        }

        return offsets;
    }

    /// <summary>Records that the offsets of <see cref="PrepareCommit"/> are committed.</summary>
    public void PostCommit()
    {
        foreach (var queue in _queues)
        {
            queue.CommittedOffset = queue.ConsumedOffset;
        }

        _commitNeeded = false;
        _context.CommitRequested = false;
    }

    /// <summary>
    /// Closes the task. Clean: flushes the stores first (commit before, to keep the offsets); dirty (after a
    /// failure or a fence): drops buffered and cached data. Processors, then stores, are closed either way.
    /// </summary>
    public void Close(bool clean)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        List<Exception>? errors = null;
        if (clean && _topologyInitialized)
        {
            FlushStores();
        }

        if (_topologyInitialized)
        {
            foreach (var node in _nodes)
            {
                Try(node.Close, ref errors);
            }
        }

        foreach (var store in _stores)
        {
            Try(store.Close, ref errors);
        }

        foreach (var queue in _queues)
        {
            while (queue.Count > 0)
            {
                queue.Dequeue().Release();
            }
        }

        _buffered = 0;
        if (errors is not null && clean)
        {
            throw new StreamsException($"Closing task {Id} failed: {errors[0].Message}", new AggregateException(errors));
        }
    }

    private static void Try(Action action, ref List<Exception>? errors)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            (errors ??= []).Add(e);
        }
    }

    /// <summary>
    /// Flushes every store down to its storage (a RocksDB store writes its memtable out): what a checkpoint of
    /// the changelog offsets must follow, since the stores skip RocksDB's write-ahead log.
    /// </summary>
    public void FlushStores()
    {
        foreach (var store in _stores)
        {
            store.Flush();
        }
    }

    private void FlushCaches()
    {
        foreach (var store in _stores)
        {
            if (store is ICachedStore cached)
            {
                cached.FlushCache();
            }
        }

        foreach (var flush in _context.BufferingProcessors)
        {
            _context.SetPunctuationRecord(_context.StreamTime);
            flush();
        }
    }

    private void Fire(PunctuationSchedule schedule, long time)
    {
        _context.SetPunctuationRecord(time);
        schedule.Node.Punctuate(schedule.Punctuator, time);
        _commitNeeded = true;
    }

    /// <summary>Whether the task reads <paramref name="partition"/> as a count's partial counts (see <see cref="SourceNode.ReadsPartialCounts"/>).</summary>
    public bool ReadsPartialCounts(TopicPartition partition) => QueueOf(partition.Topic, partition.Partition).Source.ReadsPartialCounts;

    private RecordQueue QueueOf(string topic, int partition)
    {
        // The consumer's topic names are other string instances than the task's: remembered, one comparison of references
        // finds the queue of a run of records of one partition, not a comparison of characters per record.
        if (ReferenceEquals(topic, _lastTopic) && _lastQueue!.TopicPartition.Partition == partition)
        {
            return _lastQueue;
        }

        foreach (var queue in _queues)
        {
            var tp = queue.TopicPartition;
            if (tp.Partition == partition && (ReferenceEquals(tp.Topic, topic) || tp.Topic == topic))
            {
                _lastTopic = topic;
                _lastQueue = queue;
                return queue;
            }
        }

        // A topic matching a pattern source, first seen now: it becomes a new input partition of the task.
        if (_resolveSource?.Invoke(topic) is { } source)
        {
            var added = new RecordQueue(new TopicPartition(topic, partition), source);
            _queues = [.. _queues, added];
            InputPartitions = [.. InputPartitions, added.TopicPartition];
            _direct = false;
            return added;
        }

        throw new InvalidOperationException($"Task {Id} does not read {topic}-{partition}.");
    }
}
