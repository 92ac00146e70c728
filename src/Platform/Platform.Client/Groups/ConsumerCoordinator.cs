using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.Client.Consumer;
using Platform.Client.Network;
using Platform.Protocol;

namespace Platform.Client.Groups;

/// <summary>
/// One consumer's membership of its group over the classic protocol, as Kafka's Java
/// ConsumerCoordinator does it: the polling thread joins and syncs (so rebalance callbacks run on
/// it), a background task heartbeats independently of polling and leaves the group when polls stop
/// for <c>max.poll.interval.ms</c>. It talks to the coordinator over its own connections, whose
/// request timeout covers a JoinGroup held for the whole rebalance timeout.
/// </summary>
internal sealed partial class ConsumerCoordinator : IAsyncDisposable
{
    /// <summary>Kafka's <c>retry.backoff.max.ms</c> default: the longest wait between checks for a missing subscribed topic.</summary>
    private static readonly TimeSpan MaxMissingTopicBackoff = TimeSpan.FromSeconds(1);
    private readonly GroupSettings _settings;
    private readonly ClusterConnections _cluster;
    private readonly CoordinatorLocator _coordinators;
    private readonly IRebalanceListener _listener;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _heartbeatWake = new(0, 1);
    private readonly Task _heartbeatLoop;
    private string _memberId = "";
    private int _generation = -1;
    private string? _protocol;
    private bool _stable;
    private volatile bool _rejoinNeeded;
    private volatile bool _lostPending;
    private List<TopicPartition> _assigned = [];
    private List<string> _topics = [];
    private Regex? _pattern;
    private Dictionary<string, int> _groupTopics = [];
    private long _lastPoll = Stopwatch.GetTimestamp();
    private long _nextMetadataCheck;
    private TimeSpan _missingTopicBackoff;
    private int _disposed;

    public ConsumerCoordinator(
        GroupSettings settings,
        IReadOnlyList<BrokerAddress> bootstrap,
        KafkaConnectionOptions connection,
        IRebalanceListener listener)
    {
        _settings = settings;
        _listener = listener;

        // JoinGroup may be held by the coordinator for the whole rebalance timeout.
        var requestTimeout = connection.RequestTimeout > settings.MaxPollInterval + TimeSpan.FromSeconds(5)
            ? connection.RequestTimeout
            : settings.MaxPollInterval + TimeSpan.FromSeconds(5);
        _cluster = new ClusterConnections(bootstrap, new KafkaConnectionOptions
        {
            ClientId = connection.ClientId,
            RequestTimeout = requestTimeout,
            ConnectTimeout = connection.ConnectTimeout,
            MaxResponseSize = connection.MaxResponseSize,
            ClientSoftwareName = connection.ClientSoftwareName,
            ClientSoftwareVersion = connection.ClientSoftwareVersion,
        });
        RequestTimeout = connection.RequestTimeout;
        _coordinators = new CoordinatorLocator(_cluster);
        _heartbeatLoop = Task.Run(HeartbeatLoopAsync);
    }

    /// <summary>Raised (on any thread) when the polling thread should come back to rejoin or report lost partitions.</summary>
    public event Action? AttentionNeeded;

    /// <summary>The configured <c>request.timeout.ms</c>, for requests other than JoinGroup.</summary>
    public TimeSpan RequestTimeout { get; }

    public string GroupId => _settings.GroupId;

    public string MemberId
    {
        get
        {
            lock (_lock)
            {
                return _memberId;
            }
        }
    }

    public int GenerationId
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>The membership to send with transactional offsets (member id and generation read together).</summary>
    public ConsumerGroupMetadata GroupMetadata
    {
        get
        {
            lock (_lock)
            {
                return new ConsumerGroupMetadata(_settings.GroupId, _memberId, _generation, _settings.GroupInstanceId);
            }
        }
    }

    /// <summary>The assignor the group chose in the last rebalance.</summary>
    public string? Protocol => _protocol;

    /// <summary>The partitions this member owns (read on the polling thread).</summary>
    public IReadOnlyList<TopicPartition> Assigned => _assigned;

    /// <summary>The subscribed topics (for a pattern: the matching topics found so far).</summary>
    public IReadOnlyList<string> Topics => _topics;

    /// <summary>Whether the member has a subscription (a topic list or a pattern).</summary>
    public bool IsSubscribed => _topics.Count > 0 || _pattern is not null;

    /// <summary>Whether the member is in a stable group with nothing pending.</summary>
    public bool IsStable => _stable && !_rejoinNeeded;

    private RebalanceProtocol RebalanceProtocol => _settings.Assignors[0].Protocol;

    /// <summary>Subscribes to a fixed list of topics; the next poll (re)joins.</summary>
    public void Subscribe(IReadOnlyList<string> topics)
    {
        _pattern = null;
        _topics = [.. topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _nextMetadataCheck = 0;
        RequestRejoin();
    }

    /// <summary>Subscribes to every topic matching <paramref name="pattern"/>, now and as topics appear.</summary>
    public void Subscribe(Regex pattern)
    {
        _pattern = pattern;
        _topics = [];
        _nextMetadataCheck = 0;
        RequestRejoin();
    }

    /// <summary>Asks for a rebalance at the next poll.</summary>
    public void RequestRejoin()
    {
        _rejoinNeeded = true;
        AttentionNeeded?.Invoke();
    }

    /// <summary>
    /// Drives the membership from the polling thread: reports lost partitions, picks up topic
    /// changes, and joins (running the rebalance callbacks) when a rebalance is due.
    /// </summary>
    public async Task PollAsync(CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _lastPoll, Stopwatch.GetTimestamp());
        if (_lostPending)
        {
            ReportLost();
        }

        if (!IsSubscribed)
        {
            return;
        }

        if (Stopwatch.GetTimestamp() >= _nextMetadataCheck)
        {
            await CheckMetadataAsync(cancellationToken).ConfigureAwait(false);
        }

        while (_rejoinNeeded && _topics.Count > 0)
        {
            try
            {
                await JoinAndSyncAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (CoordinatorUnreachable(ex.Error.Code))
            {
                // No coordinator to join through yet (its broker died and the role has not moved, or no broker answers):
                // as Kafka's consumer, the poll goes on without a group and the next one looks for the coordinator again.
                // Thrown, it failed the application's poll (a Connect sink task died of a coordinator's failover).
                _rejoinNeeded = true;
                return;
            }

            if (_lostPending)
            {
                ReportLost();
            }
        }
    }

    private static bool CoordinatorUnreachable(ErrorCode code)
        => CoordinatorLocator.IsCoordinatorError(code) || code is ErrorCode.NetworkException or ErrorCode.RequestTimedOut;

    /// <summary>Drops the subscription: revokes everything (listener first) and leaves the group.</summary>
    public async Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        if (_assigned.Count > 0)
        {
            var revoked = _assigned;
            _assigned = [];
            _listener.OnRevoked(revoked);
        }

        _topics = [];
        _pattern = null;
        _rejoinNeeded = false;
        await LeaveGroupAsync("the consumer unsubscribed", cancellationToken).ConfigureAwait(false);
    }

    private void ReportLost()
    {
        _lostPending = false;
        if (_assigned.Count > 0)
        {
            var lost = _assigned;
            _assigned = [];
            _listener.OnLost(lost);
        }
    }

    /// <summary>Resolves a pattern subscription and, on the leader, watches the group's topics for new partitions.</summary>
    private async Task CheckMetadataAsync(CancellationToken cancellationToken)
    {
        _nextMetadataCheck = Stopwatch.GetTimestamp() + (long)(_settings.MetadataMaxAge.TotalSeconds * Stopwatch.Frequency);
        var counts = await PartitionCountsAsync(_pattern is null ? [.. _groupTopics.Keys] : null, cancellationToken).ConfigureAwait(false);
        if (_pattern is { } pattern)
        {
            var matching = counts.Keys.Where(t => !t.StartsWith("__", StringComparison.Ordinal) && pattern.IsMatch(t))
                .Order(StringComparer.Ordinal).ToList();
            if (!matching.SequenceEqual(_topics))
            {
                _topics = matching;
                RequestRejoin();
            }
        }

        foreach (var (topic, count) in _groupTopics)
        {
            if (counts.TryGetValue(topic, out var now) && now != count)
            {
                RequestRejoin();
                break;
            }
        }

        WatchMissingTopics(counts);
    }

    /// <summary>
    /// While a topic of the group's subscriptions does not exist, checks again soon (retry.backoff.ms, doubling up
    /// to a second) rather than at metadata.max.age.ms, as Kafka's consumer does: a sink started beside the source
    /// that creates its topic must not sit without partitions for minutes.
    /// </summary>
    private void WatchMissingTopics(Dictionary<string, int> counts)
    {
        if (_groupTopics.Keys.All(counts.ContainsKey))
        {
            _missingTopicBackoff = TimeSpan.Zero;
            return;
        }

        _missingTopicBackoff = _missingTopicBackoff == TimeSpan.Zero
            ? _settings.RetryBackoff
            : TimeSpan.FromTicks(Math.Min(_missingTopicBackoff.Ticks * 2, MaxMissingTopicBackoff.Ticks));
        var wait = TimeSpan.FromTicks(Math.Min(_missingTopicBackoff.Ticks, _settings.MetadataMaxAge.Ticks));
        _nextMetadataCheck = Math.Min(_nextMetadataCheck, Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>Partition counts of <paramref name="topics"/> (all topics when null) that exist.</summary>
    private async Task<Dictionary<string, int>> PartitionCountsAsync(IReadOnlyCollection<string>? topics, CancellationToken cancellationToken)
    {
        if (topics is { Count: 0 })
        {
            return [];
        }

        var (response, _) = await _cluster.RefreshMetadataAsync(topics, cancellationToken).ConfigureAwait(false);
        return response.Topics
            .Where(t => t.ErrorCode == 0 && t.Name is not null)
            .ToDictionary(t => t.Name!, t => t.Partitions.Count, StringComparer.Ordinal);
    }

    private void ResetGeneration(bool forgetMemberId)
    {
        lock (_lock)
        {
            _generation = -1;
            _stable = false;
            if (forgetMemberId)
            {
                _memberId = "";
            }
        }
    }

    private static bool Elapsed(long since, TimeSpan span) => Stopwatch.GetElapsedTime(since) > span;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _heartbeatLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await _cluster.DisposeAsync().ConfigureAwait(false);
    }

    private static KafkaException Fail(ErrorCode code, string message) => new(new Error(code, message));
}
