using Platform.Protocol;

namespace Platform.Client.Consumer.Fetching;

internal sealed partial class Fetcher
{
    /// <summary>Answers buffered per partition before it is fetched no further: one being drained, one ready.</summary>
    private const int MaxBufferedPerPartition = 2;

    /// <summary>The longest the loop sleeps without a reason to wake (a pending backoff ends sooner).</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Sends the resets and fetches that are due, then sleeps until something changes: an answer,
    /// a consumed buffer, a seek, new metadata, or the end of a backoff. Never throws.
    /// </summary>
    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = IdleWait;
            try
            {
                wait = Schedule(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug here must not end fetching silently.
                _onError(new KafkaException(new Error(ErrorCode.UnknownServerError, $"Fetcher failed: {ex.Message}"), ex));
            }

            await _wakeLoop.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts what is due; returns how long until the next backoff ends.</summary>
    private TimeSpan Schedule(CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        var metadata = _metadata.Current;
        ReportMetadataFailure();
        var nextRetry = long.MaxValue;
        var fetches = new Dictionary<int, List<(PartitionState State, long Offset, int Epoch)>>();
        var resets = new Dictionary<int, List<(PartitionState State, OffsetReset Reset, int Epoch)>>();
        var validations = new Dictionary<int, List<PositionCheck>>();
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                UpdateLeaderLocked(state, metadata);
                if (state.RetryAtMs > now)
                {
                    nextRetry = Math.Min(nextRetry, state.RetryAtMs);
                }

                if (state.Removed || state.Paused || state.InFlight || state.Blocked || state.Leader < 0
                    || state.RetryAtMs > now || _busyNodes.Contains(state.Leader))
                {
                    continue;
                }

                if (state.AwaitingValidation)
                {
                    Add(validations, state.Leader, new PositionCheck(state, state.Position, state.PositionEpoch, state.Epoch));
                }
                else if (state.PendingReset != OffsetReset.None)
                {
                    Add(resets, state.Leader, (state, state.PendingReset, state.Epoch));
                }
                else if (state.IsFetchable(now, MaxBufferedPerPartition))
                {
                    Add(fetches, state.Leader, (state, state.FetchPosition, state.Epoch));
                }
            }

            // A fetch of partitions at their end only would be held by the broker for fetch.max.wait.ms
            // and keep the node busy while buffered partitions drain and want more: wait for those.
            foreach (var (node, partitions) in fetches.Where(f => f.Value.TrueForAll(p => p.State.CaughtUp)).ToList())
            {
                if (_partitions.Values.Any(p => p.Leader == node && p.BufferedCount > 0 && !p.CaughtUp && !p.Paused))
                {
                    fetches.Remove(node);
                }
            }

            // One request in flight per node: validations go first, then resets; fetches wait for the next round.
            foreach (var (node, partitions) in validations)
            {
                partitions.ForEach(p => p.State.InFlight = true);
                _busyNodes.Add(node);
                Track(ValidateAsync(node, partitions, cancellationToken));
                resets.Remove(node);
                fetches.Remove(node);
            }

            foreach (var (node, partitions) in resets)
            {
                partitions.ForEach(p => p.State.InFlight = true);
                _busyNodes.Add(node);
                Track(ResetAsync(node, partitions, cancellationToken));
                fetches.Remove(node);
            }

            foreach (var (node, partitions) in fetches)
            {
                partitions.ForEach(p => p.State.InFlight = true);
                _busyNodes.Add(node);
                Track(FetchAsync(node, partitions, cancellationToken));
            }
        }

        return nextRetry == long.MaxValue ? IdleWait : TimeSpan.FromMilliseconds(Math.Clamp(nextRetry - now, 1, IdleWait.TotalMilliseconds));

        static void Add<T>(Dictionary<int, List<T>> byNode, int node, T item)
        {
            if (!byNode.TryGetValue(node, out var list))
            {
                byNode[node] = list = [];
            }

            list.Add(item);
        }
    }

    /// <summary>Takes the partition's leader from metadata and reports a topic or partition that does not exist, once.</summary>
    private void UpdateLeaderLocked(PartitionState state, Internal.ClusterMetadata metadata)
    {
        var tp = state.TopicPartition;
        state.Leader = -1;
        if (!metadata.Topics.TryGetValue(tp.Topic, out var topic))
        {
            return;
        }

        if (topic.Error == ErrorCode.None && tp.Partition < topic.Partitions.Length)
        {
            var partition = topic.Partitions[tp.Partition];
            if (state.LeaderEpoch >= 0 && partition.LeaderEpoch > state.LeaderEpoch && state.Position >= 0 && state.PositionEpoch >= 0)
            {
                // A new leader: it may have been elected without the records this consumer read (unclean).
                state.AwaitingValidation = true;
            }

            state.Leader = partition.LeaderId;
            state.LeaderEpoch = partition.LeaderEpoch;
            state.MissingReported = false;
            if (state.Leader < 0)
            {
                _metadata.RequestUpdate();
            }

            return;
        }

        if (topic.Error is ErrorCode.None or ErrorCode.UnknownTopicOrPartition && !state.MissingReported)
        {
            state.MissingReported = true;
            var detail = topic.Error == ErrorCode.None
                ? $"Topic '{tp.Topic}' has {topic.Partitions.Length} partitions; partition {tp.Partition} does not exist"
                : $"Topic '{tp.Topic}' does not exist";
            _errors.Enqueue(CompletedFetch.PartitionError(ErrorCode.UnknownTopicOrPartition, tp, detail));
            _dataReady.Set();
        }
        else if (topic.Error is not (ErrorCode.None or ErrorCode.UnknownTopicOrPartition) && !state.MissingReported)
        {
            state.MissingReported = true;
            _errors.Enqueue(CompletedFetch.PartitionError(topic.Error, tp, $"Metadata for topic '{tp.Topic}' failed"));
            _dataReady.Set();
        }

        // Keep looking: the topic may be created later.
        _metadata.RequestUpdate();
    }

    /// <summary>A failed metadata refresh (no broker reachable) is reported once per failure while partitions wait for leaders.</summary>
    private void ReportMetadataFailure()
    {
        var error = _metadata.LastError;
        if (error is null || ReferenceEquals(error, _reportedMetadataError))
        {
            return;
        }

        _reportedMetadataError = error;
        bool waiting;
        lock (_lock)
        {
            waiting = _partitions.Values.Any(p => p.Leader < 0);
        }

        if (waiting)
        {
            _onError(error);
        }
    }

    private void Track(Task request)
    {
        _requests.Add(request);
        _ = request.ContinueWith(
            t =>
            {
                lock (_lock)
                {
                    _requests.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A node answered or failed: free it, back off after failures, and schedule again.</summary>
    private void NodeDone(int node, IEnumerable<PartitionState> partitions, KafkaException? failure)
    {
        lock (_lock)
        {
            _busyNodes.Remove(node);
            var retryAt = 0L;
            if (failure is not null)
            {
                var failures = _nodeFailures[node] = _nodeFailures.GetValueOrDefault(node) + 1;

                // Exponential from retry.backoff.ms up to 1 s, as librdkafka's reconnect backoff.
                retryAt = Environment.TickCount64 + Math.Min(1000, (long)_options.RetryBackoffMs << Math.Min(failures - 1, 10));
            }
            else
            {
                _nodeFailures.Remove(node);
            }

            foreach (var state in partitions)
            {
                state.InFlight = false;
                state.RetryAtMs = Math.Max(state.RetryAtMs, retryAt);
            }
        }

        if (failure is not null && !_shutdown.IsCancellationRequested)
        {
            _metadata.RequestUpdate();
            _onError(failure);
        }

        _wakeLoop.Set();
    }

    /// <summary>Retriable partition errors: look up the leader again and retry after the backoff.</summary>
    private static bool NeedsMetadata(ErrorCode code)
        => code is ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition
            or ErrorCode.FencedLeaderEpoch or ErrorCode.UnknownLeaderEpoch or ErrorCode.KafkaStorageError
            or ErrorCode.ReplicaNotAvailable or ErrorCode.OffsetNotAvailable;
}
