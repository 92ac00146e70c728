using Platform.Client.Internal;
using Platform.Protocol;

namespace Platform.Client.Consumer.Fetching;

/// <summary>
/// The consumer's prefetching fetch pipeline. A background loop keeps, per leader node, one Fetch
/// in flight for the assigned partitions that have a position, are not paused and have nothing
/// buffered; answers are queued per partition as <see cref="CompletedFetch"/>es that the consuming
/// thread drains. Partitions without a position are first reset with ListOffsets.
/// </summary>
/// <remarks>
/// Memory is bounded by one buffered answer per partition (at most <c>max.partition.fetch.bytes</c>
/// each, <c>fetch.max.bytes</c> per response): a partition is fetched again only once its buffered
/// answer is consumed, as Kafka's Java consumer does. The consuming-thread methods are not
/// thread-safe among themselves (a consumer is used by one thread at a time).
/// </remarks>
internal sealed partial class Fetcher : IAsyncDisposable
{
    private readonly MetadataManager _metadata;
    private readonly FetcherOptions _options;
    private readonly Action<KafkaException> _onError;
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];
    private readonly Queue<CompletedFetch> _completed = new();
    private readonly Queue<KafkaException> _errors = new();
    private readonly HashSet<int> _busyNodes = [];
    private readonly Dictionary<int, int> _nodeFailures = [];
    private readonly HashSet<Task> _requests = [];
    private readonly AsyncAutoResetEvent _wakeLoop = new();
    private readonly AsyncAutoResetEvent _dataReady = new();
    private readonly CancellationTokenSource _shutdown = new();
    private Task _loop = Task.CompletedTask;
    private KafkaException? _reportedMetadataError;
    private int _started;

    public Fetcher(MetadataManager metadata, FetcherOptions options, Action<KafkaException> onError)
    {
        _metadata = metadata;
        _options = options;
        _onError = onError;
        _metadata.Updated += _ => _wakeLoop.Set();
    }

    public FetcherOptions Options => _options;

    /// <summary>The assigned partitions, in assignment order.</summary>
    public List<TopicPartition> Assignment
    {
        get
        {
            lock (_lock)
            {
                return [.. _partitions.Keys];
            }
        }
    }

    /// <summary>
    /// Replaces the assignment. The offset per partition: an offset to start at, or
    /// <see cref="Offsets.Beginning"/>, <see cref="Offsets.End"/>, or anything else negative for
    /// <c>auto.offset.reset</c>.
    /// </summary>
    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        lock (_lock)
        {
            RemoveAllLocked();
            foreach (var start in list)
            {
                if (_partitions.ContainsKey(start.TopicPartition))
                {
                    throw new ArgumentException($"Partition {start.TopicPartition} is assigned twice.", nameof(partitions));
                }

                var state = new PartitionState(start.TopicPartition);
                _partitions[start.TopicPartition] = state;
                StartLocked(state, start);
            }
        }

        FetchFrom(list);
    }

    /// <summary>Learns where newly assigned partitions live and starts (or wakes) the fetch loop for them.</summary>
    private void FetchFrom(IEnumerable<TopicPartitionOffset> assigned)
    {
        foreach (var topic in assigned.Select(p => p.TopicPartition.Topic).Distinct())
        {
            _metadata.Track(topic);
        }

        EnsureStarted();
        _wakeLoop.Set();
    }

    /// <summary>Drops the assignment and everything buffered for it.</summary>
    public void Unassign()
    {
        lock (_lock)
        {
            RemoveAllLocked();
        }
    }

    /// <summary>Moves the position of an assigned partition (see <see cref="Assign"/> for the offsets).</summary>
    /// <exception cref="InvalidOperationException">The partition is not assigned.</exception>
    public void Seek(TopicPartition tp, long offset)
    {
        lock (_lock)
        {
            SeekLocked(GetLocked(tp), offset);
        }

        _wakeLoop.Set();
    }

    public void Pause(IEnumerable<TopicPartition> partitions, bool paused)
    {
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                var state = GetLocked(tp);
                if (state.Paused != paused)
                {
                    // Buffered answers are dropped and fetched again after resume, from the unchanged position.
                    state.Paused = paused;
                    InvalidateLocked(state);
                }
            }
        }

        _wakeLoop.Set();
    }

    public bool IsPaused(TopicPartition tp)
    {
        lock (_lock)
        {
            return GetLocked(tp).Paused;
        }
    }

    /// <summary>The partition's position, or -1 while it has none (a reset is pending).</summary>
    public long Position(TopicPartition tp)
    {
        lock (_lock)
        {
            return GetLocked(tp).Position;
        }
    }

    /// <summary>The last stable offset from the last fetch answer (the end a read_committed consumer reads up to), -1 when unknown.</summary>
    public long CachedLastStableOffset(TopicPartition tp)
    {
        lock (_lock)
        {
            return GetLocked(tp).LastStableOffset;
        }
    }

    /// <summary>Log start offset and high watermark from the last fetch answer, -1 when unknown.</summary>
    public (long Low, long High) CachedWatermarks(TopicPartition tp)
    {
        lock (_lock)
        {
            var state = GetLocked(tp);
            return (state.LogStartOffset, state.HighWatermark);
        }
    }

    /// <summary>
    /// Takes the next answer for the application: an error to throw, or a completed fetch that is
    /// still current (stale ones, for partitions since sought, paused or unassigned, are dropped).
    /// </summary>
    public bool TryTake(out CompletedFetch? fetch, out KafkaException? error)
    {
        lock (_lock)
        {
            if (_errors.TryDequeue(out error))
            {
                fetch = null;
                return true;
            }

            while (_completed.TryDequeue(out fetch))
            {
                if (fetch.IsCurrent)
                {
                    return true;
                }

                DropLocked(fetch);
            }
        }

        fetch = null;
        return false;
    }

    /// <summary>The application is done with <paramref name="fetch"/>: its partition may be fetched again.</summary>
    public void Finished(CompletedFetch fetch)
    {
        lock (_lock)
        {
            DropLocked(fetch);
        }

        _wakeLoop.Set();
    }

    /// <summary>Completes when an answer is queued, after <paramref name="timeout"/> or on cancellation.</summary>
    public Task WaitForDataAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_completed.Count > 0 || _errors.Count > 0)
            {
                return Task.CompletedTask;
            }
        }

        return _dataReady.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Wakes a waiting <see cref="WaitForDataAsync"/> (e.g. to deliver a background error).</summary>
    public void WakeConsumer() => _dataReady.Set();

    private PartitionState GetLocked(TopicPartition tp)
        => _partitions.TryGetValue(tp, out var state)
            ? state
            : throw new InvalidOperationException($"Partition {tp} is not assigned to this consumer.");

    /// <summary>Makes answers in flight or queued for <paramref name="state"/> stale and drops the queued ones.</summary>
    private void InvalidateLocked(PartitionState state)
    {
        state.Epoch++;
        state.BufferedCount = 0;
        state.FetchPosition = state.Position;
        state.CaughtUp = false;
        if (_completed.Any(f => f.State == state))
        {
            var keep = _completed.Where(f => f.State != state).ToList();
            foreach (var fetch in _completed.Where(f => f.State == state))
            {
                fetch.Release();
            }

            _completed.Clear();
            keep.ForEach(_completed.Enqueue);
        }
    }

    /// <summary>
    /// Sets an assigned partition's start. One resumed at a committed offset with the leader epoch of the record
    /// before it starts awaiting validation, as after a leader change: the leader must confirm its log still
    /// holds that epoch up to the offset, or say where the logs diverge (KIP-320).
    /// </summary>
    private void StartLocked(PartitionState state, TopicPartitionOffset start)
    {
        SeekLocked(state, start.Offset.Value);
        if (start.Offset.Value >= 0 && start.LeaderEpoch is >= 0 and var epoch)
        {
            state.PositionEpoch = epoch;
            state.AwaitingValidation = true;
        }
    }

    private void SeekLocked(PartitionState state, long offset)
    {
        InvalidateLocked(state);
        state.Blocked = false;
        state.EofReported = false;
        state.RetryAtMs = 0;
        state.PositionEpoch = -1;
        state.AwaitingValidation = false;
        if (offset >= 0)
        {
            state.Position = state.FetchPosition = offset;
            state.PendingReset = OffsetReset.None;
            return;
        }

        state.Position = state.FetchPosition = PartitionState.NoPosition;
        state.PendingReset = offset switch
        {
            Offsets.Beginning => OffsetReset.Earliest,
            Offsets.End => OffsetReset.Latest,
            _ => _options.AutoOffsetReset,
        };
        if (state.PendingReset == OffsetReset.None)
        {
            state.Blocked = true;
            _errors.Enqueue(CompletedFetch.PartitionError(
                ErrorCode.OffsetOutOfRange,
                state.TopicPartition,
                "The partition has no position and auto.offset.reset is 'none'; seek to an offset"));
            _dataReady.Set();
        }
    }

    private void RemoveAllLocked()
    {
        foreach (var state in _partitions.Values)
        {
            state.Removed = true;
        }

        _partitions.Clear();
        while (_completed.TryDequeue(out var fetch))
        {
            fetch.Release();
        }
    }

    private void DropLocked(CompletedFetch fetch)
    {
        fetch.Release();
        if (fetch.State.Epoch == fetch.Epoch && fetch.State.BufferedCount > 0)
        {
            fetch.State.BufferedCount--;
            if (fetch.State.BufferedCount == 0)
            {
                // Whatever the application skipped (a seek inside the buffered range is a new epoch), fetch from where it is.
                fetch.State.FetchPosition = fetch.State.Position;
            }
        }
    }

    private void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = Task.Run(() => RunAsync(_shutdown.Token), CancellationToken.None);
        }
    }

    /// <summary>Stops fetching, waits for requests in flight and returns every buffer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _wakeLoop.Set();
        await _loop.ConfigureAwait(false);
        Task[] requests;
        lock (_lock)
        {
            requests = [.. _requests];
        }

        await Task.WhenAll(requests).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_lock)
        {
            RemoveAllLocked();
        }
    }
}
