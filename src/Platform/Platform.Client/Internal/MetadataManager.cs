using System.Diagnostics.CodeAnalysis;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Internal;

/// <summary>
/// The client's cache of cluster metadata (topic -> partitions -> leader node), shared by the
/// producer and the consumer. A background loop refreshes it when someone asks
/// (<see cref="RequestUpdate"/>: a new topic, NOT_LEADER_OR_FOLLOWER, a lost connection), at most
/// once per <see cref="MetadataManagerOptions.RetryBackoff"/>, and at least every
/// <see cref="MetadataManagerOptions.MaxAge"/> (<c>metadata.max.age.ms</c>). Requests go to the
/// least-loaded open connection, else to the bootstrap servers.
/// </summary>
/// <remarks>
/// Readers take <see cref="Current"/>, an immutable snapshot, without locking: the hot path of the
/// producer reads it once per record.
/// </remarks>
internal sealed class MetadataManager : IAsyncDisposable
{
    private readonly ClusterConnections _cluster;
    private readonly MetadataManagerOptions _options;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private ClusterMetadata _current = ClusterMetadata.Empty;
    private TaskCompletionSource _updated = NewSignal();
    private TaskCompletionSource _wake = NewSignal();
    private bool _updateRequested = true;
    private long _lastAttemptTicks = long.MinValue / 2;
    private KafkaException? _lastError;
    private Task _loop = Task.CompletedTask;
    private int _started;

    public MetadataManager(ClusterConnections cluster, MetadataManagerOptions options)
    {
        _cluster = cluster;
        _options = options;
    }

    /// <summary>Raised on the refresh loop after every successful refresh (keep handlers short).</summary>
    public event Action<ClusterMetadata>? Updated;

    /// <summary>The connections this manager uses and learns brokers for.</summary>
    public ClusterConnections Cluster => _cluster;

    /// <summary>The latest snapshot; <see cref="ClusterMetadata.Empty"/> before the first answer.</summary>
    public ClusterMetadata Current => Volatile.Read(ref _current);

    /// <summary>Why the last refresh failed, or null when it succeeded.</summary>
    public KafkaException? LastError => Volatile.Read(ref _lastError);

    /// <summary>The topic from the latest snapshot, if the cluster has described it (possibly with an error).</summary>
    public bool TryGetTopic(string topic, [NotNullWhen(true)] out TopicInfo? info)
        => Current.Topics.TryGetValue(topic, out info);

    /// <summary>Adds <paramref name="topic"/> to the topics every refresh asks for; a new one triggers a refresh.</summary>
    public void Track(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        bool added;
        lock (_lock)
        {
            added = _topics.Add(topic);
            _updateRequested |= added;
        }

        EnsureStarted();
        if (added)
        {
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    /// <summary>Asks for a refresh soon (after the backoff since the last attempt).</summary>
    public void RequestUpdate()
    {
        lock (_lock)
        {
            _updateRequested = true;
        }

        EnsureStarted();
        Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary>Completes after the next refresh attempt, successful or not.</summary>
    public Task WaitForUpdateAsync(CancellationToken cancellationToken = default)
        => Volatile.Read(ref _updated).Task.WaitAsync(cancellationToken);

    /// <summary>
    /// The topic's partitions, waiting for metadata as long as the topic is unknown or has no
    /// partition yet (UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE are retriable: the topic
    /// may be being created). Bound the wait with <paramref name="cancellationToken"/> (<c>max.block.ms</c>).
    /// </summary>
    /// <exception cref="KafkaException">The cluster answered a non-retriable error for the topic (INVALID_TOPIC_EXCEPTION, ...).</exception>
    /// <exception cref="OperationCanceledException">The token fired first.</exception>
    public async Task<TopicInfo> GetTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        Track(topic);
        while (true)
        {
            // Taken before reading the snapshot, so an answer landing in between is not missed.
            var updated = Volatile.Read(ref _updated).Task;
            if (TryGetTopic(topic, out var info))
            {
                if (info.IsUsable)
                {
                    return info;
                }

                if (info.Error != ErrorCode.None && !info.Error.IsRetriable())
                {
                    throw new KafkaException(new Error(info.Error, $"Metadata for topic '{topic}' failed: {info.Error.ToKafkaName()}."));
                }
            }

            RequestUpdate();
            await updated.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A connection to node <paramref name="nodeId"/> (the leader of some partition).</summary>
    public Task<KafkaConnection> GetNodeConnectionAsync(int nodeId, CancellationToken cancellationToken = default)
        => _cluster.GetNodeAsync(nodeId, cancellationToken);

    /// <summary>The least-loaded open connection, else the first bootstrap server or known broker that answers.</summary>
    public async Task<KafkaConnection> GetLeastLoadedConnectionAsync(CancellationToken cancellationToken = default)
        => _cluster.LeastLoadedOpen() ?? await _cluster.GetAnyAsync(cancellationToken).ConfigureAwait(false);

    private void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _loop = Task.Run(() => RefreshLoopAsync(_shutdown.Token), CancellationToken.None);
        }
    }

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            if (wake.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _wake, NewSignal(), wake);
                wake = Volatile.Read(ref _wake);
            }

            var now = Environment.TickCount64;
            long due;
            lock (_lock)
            {
                due = _updateRequested
                    ? _lastAttemptTicks + (long)_options.RetryBackoff.TotalMilliseconds
                    : Current.UpdatedAtTicks + (long)_options.MaxAge.TotalMilliseconds;
            }

            if (due > now)
            {
                try
                {
                    await Task.WhenAny(wake.Task, Task.Delay(TimeSpan.FromMilliseconds(due - now), cancellationToken)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            await RefreshOnceAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshOnceAsync(CancellationToken cancellationToken)
    {
        List<string> topics;
        lock (_lock)
        {
            topics = [.. _topics];
            _updateRequested = false;
            _lastAttemptTicks = Environment.TickCount64;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_cluster.Options.RequestTimeout + _cluster.Options.ConnectTimeout);
            var connection = await GetLeastLoadedConnectionAsync(timeout.Token).ConfigureAwait(false);
            var request = new MetadataRequest
            {
                AllowAutoTopicCreation = _options.AllowAutoTopicCreation,
                Topics = topics.ConvertAll(t => new MetadataRequest.MetadataRequestTopic { Name = t }),
            };
            var response = await connection.SendAsync<MetadataResponse>(request, timeout.Token).ConfigureAwait(false);
            _cluster.Learn(response);
            var snapshot = Build(response, Current.Version + 1);
            Volatile.Write(ref _current, snapshot);
            Volatile.Write(ref _lastError, null);
            if (snapshot.Topics.Values.Any(t => !t.IsUsable || t.AvailablePartitions.Length < t.Partitions.Length))
            {
                // A topic still being created or a partition without leader: look again after the backoff.
                lock (_lock)
                {
                    _updateRequested = true;
                }
            }

            Updated?.Invoke(snapshot);
        }
        catch (Exception ex) when (ex is KafkaException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Volatile.Write(ref _lastError, ex as KafkaException
                ?? new KafkaException(new Error(ErrorCode.RequestTimedOut, "Metadata request timed out."), ex));
            lock (_lock)
            {
                _updateRequested = true;
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            Interlocked.Exchange(ref _updated, NewSignal()).TrySetResult();
        }
    }

    // Loops rather than LINQ: LINQ over the partitions (a value type) is compiled by the JIT in every process before
    // its first record can go out (10 ms of a CLI command's start).
    private static ClusterMetadata Build(MetadataResponse response, long version)
    {
        var nodes = new Dictionary<int, BrokerAddress>(response.Brokers.Count);
        foreach (var broker in response.Brokers)
        {
            nodes[broker.NodeId] = new BrokerAddress(broker.Host, broker.Port);
        }

        var topics = new Dictionary<string, TopicInfo>(response.Topics.Count, StringComparer.Ordinal);
        foreach (var topic in response.Topics)
        {
            if (topic.Name is null)
            {
                continue;
            }

            var partitions = new PartitionInfo[topic.Partitions.Count];
            var count = 0;
            foreach (var p in topic.Partitions)
            {
                // In index order (brokers answer in that order already; an insertion sort keeps it cheap when they do).
                var partition = new PartitionInfo(p.PartitionIndex, nodes.ContainsKey(p.LeaderId) ? p.LeaderId : -1, p.LeaderEpoch, (ErrorCode)p.ErrorCode);
                var at = count++;
                for (; at > 0 && partitions[at - 1].Index > partition.Index; at--)
                {
                    partitions[at] = partitions[at - 1];
                }

                partitions[at] = partition;
            }

            topics[topic.Name] = new TopicInfo(topic.Name, topic.TopicId, (ErrorCode)topic.ErrorCode, partitions);
        }

        return new ClusterMetadata(version, Environment.TickCount64, response.ClusterId, response.ControllerId, nodes, topics);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Interlocked.Exchange(ref _updated, NewSignal()).TrySetResult();
        _shutdown.Dispose();
    }
}
