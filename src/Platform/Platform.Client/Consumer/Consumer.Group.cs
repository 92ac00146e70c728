using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.Client.Groups;
using Platform.Client.Internal;
using Platform.Protocol;

namespace Platform.Client.Consumer;

/// <summary>Consumer groups: subscribe, rebalance callbacks, commits and committed offsets.</summary>
internal sealed partial class Consumer<TKey, TValue>
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GroupWaitSlice = TimeSpan.FromMilliseconds(200);

    private ConsumerCoordinator? _group;
    private bool _subscribed;
    private volatile bool _closingGroup;
    private long _nextAutoCommit;

    public string? MemberId => _group?.MemberId;

    public IConsumerGroupMetadata? ConsumerGroupMetadata
        => _group is { } group ? group.GroupMetadata
            : _settings.Group is { } settings ? new ConsumerGroupMetadata(settings.GroupId, "", -1, settings.GroupInstanceId)
            : null;

    public List<string> Subscription => _subscribed && _group is not null ? [.. _group.Topics] : [];

    public void Subscribe(string topic) => Subscribe([topic]);

    public void Subscribe(IEnumerable<string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var list = topics.ToList();
        if (list.Count == 0)
        {
            Unsubscribe();
            return;
        }

        foreach (var topic in list)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(topic, nameof(topics));
        }

        // librdkafka's convention: a name starting with ^ is a regular expression.
        if (list.Any(t => t.StartsWith('^')))
        {
            Subscribe(new Regex(string.Join("|", list.Select(t => t.StartsWith('^') ? $"(?:{t})" : $"^{Regex.Escape(t)}$")), RegexOptions.CultureInvariant, RegexTimeout));
            return;
        }

        EnsureGroup("Subscribe").Subscribe(list);
        _subscribed = true;
    }

    public void Subscribe(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        EnsureGroup("Subscribe").Subscribe(pattern);
        _subscribed = true;
    }

    public void Unsubscribe()
    {
        ThrowIfClosed();
        if (_group is not null && _subscribed)
        {
            _group.UnsubscribeAsync().GetAwaiter().GetResult();
        }

        _subscribed = false;
    }

    public List<TopicPartitionOffset> Commit() => CommitAsync().GetAwaiter().GetResult();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => CommitAsync(offsets).GetAwaiter().GetResult();

    public void Commit(ConsumeResult<TKey, TValue> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Message is null)
        {
            throw new InvalidOperationException("An end-of-partition event has no offset to commit.");
        }

        Commit([new TopicPartitionOffset(result.TopicPartition, result.Offset.Value + 1) { LeaderEpoch = result.LeaderEpoch }]);
    }

    public async Task<List<TopicPartitionOffset>> CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        var positions = _fetcher.Positions();
        await CommitAsync(positions, cancellationToken).ConfigureAwait(false);
        return positions;
    }

    public async Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ThrowIfClosed();
        var list = offsets.ToList();
        if (list.FirstOrDefault(o => o.Offset.Value < 0) is { } special)
        {
            throw new ArgumentException($"Cannot commit {special}: only real offsets can be committed.", nameof(offsets));
        }

        await GroupForOffsets().CommitAsync(list, cancellationToken).ConfigureAwait(false);
        foreach (var interceptor in _settings.Interceptors)
        {
            try
            {
                interceptor.OnCommit(list);
            }
            catch (Exception ex)
            {
                _settings.ErrorHandler?.Invoke(this, new Error(ErrorCode.UnknownServerError, $"Interceptor {interceptor.GetType().Name}.OnCommit failed: {ex.Message}"));
            }
        }
    }

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => Committed(Assignment, timeout);

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout)
        => ClientConfigSupport.Blocking(ct => CommittedAsync(partitions, ct), timeout);

    public async Task<List<TopicPartitionOffset>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfClosed();
        var results = await GroupForOffsets().FetchCommittedAsync([.. partitions], cancellationToken).ConfigureAwait(false);
        if (results.FirstOrDefault(r => r.Error.IsError) is { } failed)
        {
            throw new TopicPartitionOffsetException(results, "Fetching committed offsets");
        }

        return [.. results.Select(r => r.TopicPartitionOffset)];
    }

    public long? CurrentLag(TopicPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ThrowIfClosed();
        var position = _fetcher.Position(partition);

        // read_committed reads up to the last stable offset: records of open transactions are not lag yet. The
        // position passes commit markers and aborted batches as the fetched data is drained, so a partition that
        // ends with a marker reaches lag 0 (as Kafka's currentLag).
        var end = _settings.Fetch.IsolationLevel == IsolationLevel.ReadCommitted
            ? _fetcher.CachedLastStableOffset(partition)
            : _fetcher.CachedWatermarks(partition).High;
        return position >= 0 && end >= 0 ? Math.Max(0, end - position) : null;
    }

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfClosed();
        ThrowIfSubscribed("IncrementalAssign");
        _fetcher.AddPartitions(ResolveStored(partitions.ToList()));
    }

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfClosed();
        ThrowIfSubscribed("IncrementalUnassign");
        RemoveFromFetcher([.. partitions]);
    }

    private void ThrowIfSubscribed(string operation)
    {
        if (_subscribed)
        {
            throw new InvalidOperationException(
                $"{operation} cannot be used while the consumer is subscribed: a consumer either subscribes (the group assigns partitions) or assigns partitions itself. Call Unsubscribe first.");
        }
    }

    private ConsumerCoordinator EnsureGroup(string operation)
    {
        ThrowIfClosed();
        if (_settings.Group is null)
        {
            throw new InvalidOperationException($"{operation} needs a consumer group: set 'group.id'.");
        }

        if (!_subscribed && _fetcher.Assignment.Count > 0)
        {
            throw new InvalidOperationException(
                $"{operation} cannot be used while partitions are assigned manually: a consumer either subscribes or assigns partitions itself. Call Unassign first.");
        }

        return _group ??= CreateGroup(_settings.Group);
    }

    private ConsumerCoordinator GroupForOffsets()
    {
        if (_settings.Group is null)
        {
            throw new KafkaException(new Error(ErrorCode.InvalidGroupId, "Committed offsets belong to a consumer group: set 'group.id'."));
        }

        return _group ??= CreateGroup(_settings.Group);
    }

    private ConsumerCoordinator CreateGroup(GroupSettings settings)
    {
        var group = new ConsumerCoordinator(settings, _settings.Bootstrap, _settings.Connection, new Listener(this));
        group.AttentionNeeded += _fetcher.WakeConsumer;
        _nextAutoCommit = Stopwatch.GetTimestamp() + Ticks(_settings.AutoCommitInterval);
        return group;
    }

    /// <summary>
    /// Called from every consume path before records are taken: commits consumed offsets when
    /// auto commit is due (at-least-once: only records already returned), then lets the group
    /// rejoin or report lost partitions, running the rebalance callbacks on this thread.
    /// </summary>
    private void PollGroup()
    {
        if (_group is not { } group)
        {
            return;
        }

        if (_settings.EnableAutoCommit && _subscribed && Stopwatch.GetTimestamp() >= _nextAutoCommit)
        {
            _nextAutoCommit = Stopwatch.GetTimestamp() + Ticks(_settings.AutoCommitInterval);
            AutoCommit(_fetcher.Positions());
        }

        if (_subscribed)
        {
            group.PollAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>How long one wait for data may last: short slices while in a group, so polls keep the membership alive.</summary>
    private TimeSpan WaitSlice(TimeSpan left)
        => _group is null || !_subscribed || (left != Timeout.InfiniteTimeSpan && left < GroupWaitSlice) ? left : GroupWaitSlice;

    private void AutoCommit(List<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0 || _group is null)
        {
            return;
        }

        try
        {
            CommitAsync(offsets).GetAwaiter().GetResult();
        }
        catch (KafkaException ex)
        {
            // Auto commit never fails a consume; the next one (or the rebalance) catches up.
            _settings.ErrorHandler?.Invoke(this, ex.Error);
        }
    }

    /// <summary>Committed offsets for partitions asked to start at <see cref="Offset.Unset"/> or <see cref="Offset.Stored"/>.</summary>
    private List<TopicPartitionOffset> ResolveStored(List<TopicPartitionOffset> partitions)
    {
        var stored = partitions.Where(p => p.Offset == Offset.Unset || p.Offset == Offset.Stored).Select(p => p.TopicPartition).ToList();
        if (stored.Count == 0 || _settings.Group is null)
        {
            return partitions;
        }

        var committed = FetchStableCommitted(stored)
            .Where(c => !c.Error.IsError && c.Offset.Value >= 0)
            .ToDictionary(c => c.TopicPartition, c => c.TopicPartitionOffset);
        return [.. partitions.Select(p => committed.TryGetValue(p.TopicPartition, out var resumed) && p.Offset.Value < 0 && p.Offset != Offset.Beginning && p.Offset != Offset.End
            ? resumed
            : p)];
    }

    /// <summary>
    /// Committed offsets, waiting while a transaction still holds one (UNSTABLE_OFFSET_COMMIT): taking
    /// the reset policy instead would re-read or skip what that transaction commits or aborts.
    /// </summary>
    private List<TopicPartitionOffsetError> FetchStableCommitted(List<TopicPartition> partitions)
    {
        var group = GroupForOffsets();
        var deadline = Stopwatch.GetTimestamp() + Ticks(group.RequestTimeout);
        while (true)
        {
            var committed = group.FetchCommittedAsync(partitions).GetAwaiter().GetResult();
            if (!committed.Any(c => c.Error.Code == ErrorCode.UnstableOffsetCommit) || Stopwatch.GetTimestamp() > deadline)
            {
                return committed;
            }

            Thread.Sleep(50);
        }
    }

    private void RemoveFromFetcher(List<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            DropCurrent(tp);
        }

        _fetcher.RemovePartitions(partitions);
    }

    private async Task CloseGroupAsync()
    {
        if (_group is { } group)
        {
            try
            {
                await group.CloseAsync().ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                _settings.ErrorHandler?.Invoke(this, ex.Error);
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Applies the group's decisions to the fetcher and calls the application's handlers.</summary>
    private sealed class Listener(Consumer<TKey, TValue> consumer) : IRebalanceListener
    {
        public void OnAssigned(IReadOnlyList<TopicPartition> added, IReadOnlyList<TopicPartition> assignment)
        {
            var starts = consumer.ResolveStored([.. added.Select(tp => new TopicPartitionOffset(tp, Offset.Unset))]);
            if (consumer._settings.PartitionsAssignedHandler is { } handler)
            {
                var chosen = handler(consumer, [.. added])?.ToList();
                if (chosen is not null)
                {
                    // A start the handler chose replaces the committed one, leader epoch included.
                    var byPartition = chosen.ToDictionary(c => c.TopicPartition);
                    starts = consumer.ResolveStored([.. starts.Select(s => byPartition.TryGetValue(s.TopicPartition, out var o) && o.Offset != Offset.Unset ? o : s)]);
                }
            }

            consumer._fetcher.AddPartitions(starts);
        }

        public void OnRevoked(IReadOnlyList<TopicPartition> revoked)
        {
            var positions = revoked.Select(tp => new TopicPartitionOffset(tp, SafePosition(tp))).ToList();
            if (consumer._settings.EnableAutoCommit)
            {
                consumer.AutoCommit([.. positions.Where(p => p.Offset.Value >= 0)]);
            }

            consumer._settings.PartitionsRevokedHandler?.Invoke(consumer, positions);
            consumer.RemoveFromFetcher([.. revoked]);
        }

        public void OnLost(IReadOnlyList<TopicPartition> lost)
        {
            var positions = lost.Select(tp => new TopicPartitionOffset(tp, SafePosition(tp))).ToList();

            // As in confluent-kafka-dotnet: without a lost handler the revoked handler hears of it.
            var handler = consumer._settings.PartitionsLostHandler ?? consumer._settings.PartitionsRevokedHandler;
            handler?.Invoke(consumer, positions);
            consumer.RemoveFromFetcher([.. lost]);
        }

        private Offset SafePosition(TopicPartition tp)
        {
            try
            {
                var position = consumer._fetcher.Position(tp);
                return position >= 0 ? position : Offset.Unset;
            }
            catch (InvalidOperationException)
            {
                return Offset.Unset;
            }
        }
    }
}
