using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;
using Platform.Storage;

namespace Platform.Broker.Replication;

/// <summary>
/// Fetches, over one connection, every partition this broker follows whose leader is one source broker.
/// A partition added (a new leader or leader epoch) fetches from its log end with the leader epoch it knows
/// and the epoch of its last batch; where its history diverges from the leader's, the leader answers
/// DivergingEpoch and the log is cut there first (KIP-101/279; OffsetForLeaderEpoch only after a fetch that
/// went wrong). Fetched batches are appended as they are, and the leader's high watermark and log start offset become the local ones.
/// A leader that does not (yet) agree on the epoch, or an unreachable one, is retried after
/// <c>replica.fetch.backoff.ms</c>; a newer role replaces the partition's state.
/// </summary>
internal sealed partial class ReplicaFetcher : IAsyncDisposable
{
    private const short FetchVersion = 12;
    private const short OffsetForLeaderEpochVersion = 4;

    /// <summary>How soon a partition refused by a leader that has not yet heard of its own election is asked again.</summary>
    private static readonly TimeSpan ElectionRetry = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a fetcher with only throttled partitions waits for the follower quota to build credit again.</summary>
    private static readonly TimeSpan QuotaPause = TimeSpan.FromMilliseconds(100);

    private readonly int _nodeId;
    private readonly ReplicaFetcherSettings _settings;
    private readonly ReplicationThrottle _throttle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<Partition, FetchState> _partitions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BrokerEndpoint? _leader;

    public ReplicaFetcher(int nodeId, BrokerEndpoint? leader, ReplicaFetcherSettings settings, ReplicationThrottle throttle, TimeProvider time, ILogger logger)
    {
        _nodeId = nodeId;
        _leader = leader;
        _settings = settings;
        _throttle = throttle;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _partitions.Count;
            }
        }
    }

    /// <summary>The leader's address changed (or became known).</summary>
    public void UpdateLeader(BrokerEndpoint? leader)
    {
        lock (_lock)
        {
            _leader = leader;
        }

        Wake();
    }

    /// <summary>Starts (or restarts, under a new leader epoch) following <paramref name="partition"/>: truncation first, then fetches.</summary>
    public void Add(Partition partition, int leaderEpoch)
    {
        lock (_lock)
        {
            if (_partitions.Remove(partition, out var old))
            {
                old.Retire();
            }

            _partitions[partition] = new FetchState(partition, leaderEpoch);
        }

        Wake();
    }

    /// <summary>Stops following <paramref name="partition"/>; once this returns, no fetched batch is appended to it any more.</summary>
    public void Remove(Partition partition)
    {
        FetchState? state;
        lock (_lock)
        {
            _partitions.Remove(partition, out state);
        }

        state?.Retire();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private void Wake()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        ReplicaChannel? channel = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Task changed;
                BrokerEndpoint? leader;
                List<FetchState> states;
                var wait = _settings.Backoff;
                lock (_lock)
                {
                    changed = _changed.Task;
                    leader = _leader;
                    var now = _time.GetTimestamp();
                    states = [.. _partitions.Values.Where(s => s.RetryAt <= now)];
                    if (leader is not null && states.Count == 0 && _partitions.Count > 0)
                    {
                        // Every partition waits for its retry (all in the future): wake for the earliest.
                        var earliest = TimeSpan.FromSeconds((double)(_partitions.Values.Min(s => s.RetryAt) - now) / _time.TimestampFrequency);
                        wait = earliest < wait ? earliest : wait;
                    }
                }

                // Kafka's follower quota: while the throttled replicas have had their bytes, they sit out the fetches.
                var throttled = _throttle.Follower.IsExceeded;
                var waiting = states.Count;
                states.RemoveAll(s => throttled && !s.NeedsTruncation && IsThrottled(s.Partition));
                if (leader is null || states.Count == 0)
                {
                    // Nothing to fetch now: wait for a change, for the earliest retry (at most the backoff), or
                    // for the quota's next credit.
                    if (waiting > 0 && leader is not null && QuotaPause < wait)
                    {
                        wait = QuotaPause;
                    }

                    await Task.WhenAny(changed, Task.Delay(wait, _time, token)).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    channel ??= await ReplicaChannel.ConnectAsync(leader, $"replica-fetcher-{_nodeId}", token).ConfigureAwait(false);
                    var truncating = states.Where(s => s.NeedsTruncation).ToList();
                    if (truncating.Count > 0)
                    {
                        await TruncateAsync(channel, truncating, token).ConfigureAwait(false);
                    }
                    else
                    {
                        await FetchAsync(channel, states, token).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    if (token.IsCancellationRequested)
                    {
                        // Stopping: whatever the request ran into (a leader already gone) no longer matters.
                        return;
                    }

                    LogFetchFailed(e, leader.Id, leader.Host, leader.Port);
                    channel?.Dispose();
                    channel = null;
                    await Task.WhenAny(Task.Delay(_settings.Backoff, _time, token)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            channel?.Dispose();
        }
    }

    /// <summary>
    /// Asks the leader where each partition's latest local epoch ends in its log and cuts the local log
    /// there (or where the local copy of the epoch the leader answered ends, if earlier), so the log is a
    /// prefix of the leader's before any fetch.
    /// </summary>
    private async Task TruncateAsync(ReplicaChannel channel, List<FetchState> states, CancellationToken token)
    {
        var request = new OffsetForLeaderEpochRequest { ReplicaId = _nodeId };
        var asked = new List<FetchState>();
        foreach (var group in states.GroupBy(s => s.Partition.Topic.Name))
        {
            var topic = new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = group.Key };
            foreach (var state in group)
            {
                var latest = state.Partition.Log.LatestEpoch;
                if (latest < 0)
                {
                    // An empty log has nothing to cut.
                    state.TruncationDone(this);
                    continue;
                }

                topic.Partitions.Add(new() { Partition = state.Partition.Index, CurrentLeaderEpoch = state.LeaderEpoch, LeaderEpoch = latest });
                asked.Add(state);
            }

            if (topic.Partitions.Count > 0)
            {
                request.Topics.Add(topic);
            }
        }

        if (asked.Count == 0)
        {
            return;
        }

        var response = await channel.SendAsync<OffsetForLeaderEpochResponse>(request, OffsetForLeaderEpochVersion, token).ConfigureAwait(false);
        foreach (var topic in response.Topics)
        {
            foreach (var result in topic.Partitions)
            {
                if (asked.Find(s => s.Partition.Topic.Name == topic.Topic && s.Partition.Index == result.Partition) is not { } state)
                {
                    continue;
                }

                if (result.ErrorCode != (short)ErrorCode.None)
                {
                    Refused(state, (ErrorCode)result.ErrorCode);
                    continue;
                }

                state.Truncate(this, result.LeaderEpoch, result.EndOffset);
            }
        }
    }

    /// <summary>
    /// The leader refused the partition. Right after an election the new leader often hears of it a moment after
    /// its followers (each applies the change from its own etcd watch) and answers NOT_LEADER_OR_FOLLOWER or
    /// UNKNOWN_LEADER_EPOCH meanwhile: a retry after <see cref="ElectionRetry"/> rather than the whole
    /// replica.fetch.backoff.ms, since until a follower fetches again no acks=all write to the new leader can
    /// complete. Other refusals wait out the backoff.
    /// </summary>
    private void Refused(FetchState state, ErrorCode error)
    {
        if (error is ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownLeaderEpoch)
        {
            state.Backoff(_time, _settings.Backoff < ElectionRetry ? _settings.Backoff : ElectionRetry);
            return;
        }

        state.Backoff(_time, _settings.Backoff);
        LogLeaderRefused(state.Partition.Topic.Name, state.Partition.Index, error, state.LeaderEpoch);
    }

    private async Task FetchAsync(ReplicaChannel channel, List<FetchState> states, CancellationToken token)
    {
        var request = new FetchRequest
        {
            ReplicaId = _nodeId,
            MaxWaitMs = _settings.MaxWaitMs,
            MinBytes = 1,
            MaxBytes = _settings.ResponseMaxBytes,
            SessionEpoch = -1,
        };
        foreach (var group in states.GroupBy(s => s.Partition.Topic.Name))
        {
            var topic = new FetchRequest.FetchTopic { Topic = group.Key };
            foreach (var state in group)
            {
                var log = state.Partition.Log;
                topic.Partitions.Add(new()
                {
                    Partition = state.Partition.Index,
                    CurrentLeaderEpoch = state.LeaderEpoch,
                    FetchOffset = log.LogEndOffset,
                    LastFetchedEpoch = log.LatestEpoch,
                    LogStartOffset = log.LogStartOffset,
                    PartitionMaxBytes = PartitionMaxBytes(state.Partition),
                });
            }

            request.Topics.Add(topic);
        }

        var response = await channel.SendAsync<FetchResponse>(request, FetchVersion, token).ConfigureAwait(false);
        if (response.ErrorCode != (short)ErrorCode.None)
        {
            throw new LogException((ErrorCode)response.ErrorCode, $"The leader refused the fetch: {((ErrorCode)response.ErrorCode).ToKafkaName()}.");
        }

        foreach (var topic in response.Responses)
        {
            foreach (var data in topic.Partitions)
            {
                if (states.Find(s => s.Partition.Topic.Name == topic.Topic && s.Partition.Index == data.PartitionIndex) is not { } state)
                {
                    continue;
                }

                var error = (ErrorCode)data.ErrorCode;
                if (error == ErrorCode.OffsetOutOfRange)
                {
                    // Our log ends before the leader's starts (retention moved on while we were away): start over
                    // there. Otherwise the leader's log ends before ours, a history not cut yet: ask again where to cut.
                    state.OutOfRange(data.LogStartOffset);
                }
                else if (error != ErrorCode.None)
                {
                    Refused(state, error);
                }
                else if (data.DivergingEpoch is { } diverging && (diverging.Epoch >= 0 || diverging.EndOffset >= 0))
                {
                    // KIP-595's DivergingEpoch: our last epoch ends earlier in the leader's log (or not at all);
                    // cut there, as an OffsetForLeaderEpoch answer would say, and fetch on from the cut.
                    state.Truncate(this, diverging.Epoch, diverging.EndOffset);
                }
                else
                {
                    try
                    {
                        var appended = state.Append(data.Records as MemoryRecords, data.HighWatermark, data.LogStartOffset);
                        if (appended > 0 && IsThrottled(state.Partition))
                        {
                            _throttle.Follower.Record(appended);
                        }
                    }
                    catch (LogException e)
                    {
                        // Batches that do not follow our log (or a log gone offline): start over from truncation.
                        LogAppendFailed(e, state.Partition.Topic.Name, state.Partition.Index);
                        state.RequireTruncation();
                        state.Backoff(_time, _settings.Backoff);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether this broker's replica of <paramref name="partition"/> is listed in its topic's follower.replication.throttled.replicas
    /// and not in sync (a replica in the ISR is never throttled, as in Kafka).
    /// </summary>
    private bool IsThrottled(Partition partition)
        => ReplicationThrottle.Lists(partition.Topic.Config, LogConfig.FollowerReplicationThrottledReplicasConfig, partition.Index, _nodeId)
            && !partition.Role.Isr.Contains(_nodeId);

    /// <summary>A throttled partition asks for at most a second's worth of the follower rate, so one response cannot overrun the quota by much.</summary>
    private int PartitionMaxBytes(Partition partition)
        => _throttle.Follower.Rate is { } rate && IsThrottled(partition)
            ? (int)Math.Clamp(rate, 1, _settings.PartitionMaxBytes)
            : _settings.PartitionMaxBytes;

    /// <summary>One followed partition: the leader epoch it follows under and where it is in the protocol.</summary>
    private sealed class FetchState(Partition partition, int leaderEpoch)
    {
        private readonly Lock _gate = new();
        private bool _retired;

        public Partition Partition { get; } = partition;

        public int LeaderEpoch { get; } = leaderEpoch;

        /// <summary>
        /// Whether to ask the leader where to cut (OffsetForLeaderEpoch) before fetching: only after a fetch that
        /// went wrong. A new follower fetches at once with its last epoch, and the leader answers a divergence
        /// with DivergingEpoch (Fetch v12), saving that round trip after every election.
        /// </summary>
        public bool NeedsTruncation { get; private set; }

        public long RetryAt { get; private set; }

        /// <summary>Serializes with the fetcher's appends: once retired, the partition's log is never written by this state again.</summary>
        public void Retire()
        {
            lock (_gate)
            {
                _retired = true;
            }
        }

        public void Backoff(TimeProvider time, TimeSpan delay) => RetryAt = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);

        public void RequireTruncation() => NeedsTruncation = true;

        public void OutOfRange(long leaderLogStartOffset)
        {
            lock (_gate)
            {
                if (!_retired && leaderLogStartOffset > Partition.Log.LogEndOffset)
                {
                    Partition.Log.TruncateFullyAndStartAt(leaderLogStartOffset);
                    return;
                }
            }

            NeedsTruncation = true;
        }

        public void TruncationDone(ReplicaFetcher fetcher)
        {
            NeedsTruncation = false;
            fetcher.LogTruncationDone(Partition.Topic.Name, Partition.Index, Partition.Log.LogEndOffset, LeaderEpoch);
        }

        public void Truncate(ReplicaFetcher fetcher, int leaderEpoch, long endOffset)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return;
                }

                var log = Partition.Log;
                var target = endOffset;
                if (leaderEpoch < 0 || endOffset < 0)
                {
                    // The leader knows no epoch at or below ours: keep only what the whole ISR was known to have.
                    target = Math.Min(log.HighWatermark, log.LogEndOffset);
                }
                else if (leaderEpoch < log.LatestEpoch)
                {
                    // KIP-279: the leader's history diverged at an older epoch; our copy of that epoch may end earlier.
                    target = Math.Min(target, log.EndOffsetForEpoch(leaderEpoch).EndOffset);
                }

                log.TruncateTo(Math.Max(target, 0));
                TruncationDone(fetcher);
            }
        }

        /// <summary>Appends the whole batches fetched; returns their bytes.</summary>
        public int Append(MemoryRecords? records, long leaderHighWatermark, long leaderLogStartOffset)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return 0;
                }

                var log = Partition.Log;
                var whole = records is null ? 0 : WholeBatches(records.Data.Span);
                if (whole > 0)
                {
                    log.AppendAsFollower(System.Runtime.InteropServices.MemoryMarshal.AsMemory(records!.Data[..whole]));
                }

                if (leaderHighWatermark >= 0)
                {
                    log.SetReplicatedHighWatermark(Math.Min(leaderHighWatermark, log.LogEndOffset));
                }

                if (leaderLogStartOffset >= 0)
                {
                    // DeleteRecords and retention on the leader hold here too.
                    log.FollowLeaderLogStartOffset(leaderLogStartOffset);
                }

                return whole;
            }
        }

        /// <summary>The bytes of the whole batches at the start (a response cut at its size limit may end in part of one).</summary>
        private static int WholeBatches(ReadOnlySpan<byte> records)
        {
            var position = 0;
            while (records.Length - position >= RecordBatchHeader.LogOverhead)
            {
                var size = RecordBatchHeader.TotalSize(records[position..]);
                if (size < RecordBatchHeader.Size || size > records.Length - position)
                {
                    break;
                }

                position += size;
            }

            return position;
        }
    }

    [LoggerMessage(EventId = 1710, Level = LogLevel.Warning, Message = "Fetching from leader {LeaderId} at {Host}:{Port} failed; retrying after the backoff")]
    private partial void LogFetchFailed(Exception exception, int leaderId, string host, int port);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Information, Message = "The leader refused {Topic}-{Partition}: {Error} (leader epoch {LeaderEpoch}); retrying after the backoff")]
    private partial void LogLeaderRefused(string topic, int partition, ErrorCode error, int leaderEpoch);

    [LoggerMessage(EventId = 1713, Level = LogLevel.Warning, Message = "Appending fetched batches to {Topic}-{Partition} failed")]
    private partial void LogAppendFailed(Exception exception, string topic, int partition);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Information, Message = "{Topic}-{Partition} follows the leader from offset {LogEndOffset} (leader epoch {LeaderEpoch})")]
    private partial void LogTruncationDone(string topic, int partition, long logEndOffset, int leaderEpoch);
}

/// <summary>The <c>replica.fetch.*</c> settings a fetcher works with.</summary>
internal sealed record ReplicaFetcherSettings(int MaxWaitMs, int PartitionMaxBytes, int ResponseMaxBytes, TimeSpan Backoff);
