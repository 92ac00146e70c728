using System.Collections.Concurrent;
using Platform.Client.Consumer.Fetching;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Client.Serialization;

namespace Platform.Client.Consumer;

/// <summary>
/// The consumer: a <see cref="Fetcher"/> prefetching in the background, a <see cref="RecordDrainer"/>
/// decoding on the consuming thread, deserializers and interceptors on top.
/// </summary>
internal sealed partial class Consumer<TKey, TValue> : IConsumer<TKey, TValue>
{
    private readonly ClusterConnections _cluster;
    private readonly MetadataManager _metadata;
    private readonly Fetcher _fetcher;
    private readonly RecordDrainer _drainer;
    private readonly ConsumerSettings<TKey, TValue> _settings;
    private readonly ConcurrentQueue<KafkaException> _backgroundErrors = new();
    private int _closed;

    public Consumer(ConsumerSettings<TKey, TValue> settings)
    {
        _settings = settings;
        _cluster = new ClusterConnections(settings.Bootstrap, settings.Connection);
        _metadata = new MetadataManager(_cluster, new MetadataManagerOptions
        {
            MaxAge = TimeSpan.FromMilliseconds(settings.Fetch.MetadataMaxAgeMs),
            RetryBackoff = TimeSpan.FromMilliseconds(settings.Fetch.RetryBackoffMs),
            AllowAutoTopicCreation = false,
        });
        _fetcher = new Fetcher(_metadata, settings.Fetch, OnBackgroundError);
        _drainer = new RecordDrainer(settings.CheckCrcs, settings.Fetch.IsolationLevel == IsolationLevel.ReadCommitted);
    }

    public string Name => _settings.Connection.ClientId ?? "";

    public List<TopicPartition> Assignment => _fetcher.Assignment;

    public List<TopicPartition> Paused => [.. _fetcher.Assignment.Where(_fetcher.IsPaused)];

    public void Assign(TopicPartition partition) => Assign([partition]);

    public void Assign(TopicPartitionOffset partition) => Assign([partition]);

    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)));
    }

    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfClosed();
        ThrowIfSubscribed("Assign");
        var list = partitions.ToList();
        foreach (var p in list)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(partitions));
            ArgumentException.ThrowIfNullOrEmpty(p.Topic, nameof(partitions));
            ArgumentOutOfRangeException.ThrowIfNegative(p.Partition, nameof(partitions));
        }

        list = ResolveStored(list);
        DropCurrent();
        _fetcher.Assign(list);
    }

    public void Unassign()
    {
        ThrowIfClosed();
        ThrowIfSubscribed("Unassign");
        DropCurrent();
        _fetcher.Unassign();
    }

    public void Seek(TopicPartitionOffset offset)
    {
        ArgumentNullException.ThrowIfNull(offset);
        ThrowIfClosed();
        DropCurrent(offset.TopicPartition);
        _fetcher.Seek(offset.TopicPartition, offset.Offset.Value);
    }

    public void SeekToBeginning(IEnumerable<TopicPartition> partitions) => SeekAll(partitions, Offset.Beginning);

    public void SeekToEnd(IEnumerable<TopicPartition> partitions) => SeekAll(partitions, Offset.End);

    private void SeekAll(IEnumerable<TopicPartition> partitions, Offset offset)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var tp in partitions.ToList())
        {
            Seek(new TopicPartitionOffset(tp, offset));
        }
    }

    public Offset Position(TopicPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ThrowIfClosed();
        var position = _fetcher.Position(partition);
        return position >= 0 ? position : Offset.Unset;
    }

    public void Pause(IEnumerable<TopicPartition> partitions) => SetPaused(partitions, paused: true);

    public void Resume(IEnumerable<TopicPartition> partitions) => SetPaused(partitions, paused: false);

    private void SetPaused(IEnumerable<TopicPartition> partitions, bool paused)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfClosed();

        // Pausing is flow control, allowed for group-assigned partitions as for manually assigned ones (as in Kafka).
        var list = partitions.ToList();
        foreach (var tp in list)
        {
            DropCurrent(tp);
        }

        _fetcher.Pause(list, paused);
    }

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ThrowIfClosed();
        var (low, high) = _fetcher.CachedWatermarks(partition);
        return new WatermarkOffsets(low >= 0 ? low : Offset.Unset, high >= 0 ? high : Offset.Unset);
    }

    /// <summary>Stops draining the current fetch (of <paramref name="partition"/>, or any) so its partition can be fetched anew.</summary>
    private void DropCurrent(TopicPartition? partition = null)
    {
        if (_drainer.Current is { } current && (partition is null || current.State.TopicPartition == partition))
        {
            _fetcher.Finished(_drainer.Stop()!);
        }
    }

    private void OnBackgroundError(KafkaException error)
    {
        _backgroundErrors.Enqueue(error);
        _fetcher?.WakeConsumer();
    }

    /// <summary>Hands errors of the background pipeline to the error handler, on the consuming thread as librdkafka does.</summary>
    private void ServeBackgroundErrors()
    {
        while (_backgroundErrors.TryDequeue(out var error))
        {
            if (_settings.ErrorHandler is { } handler)
            {
                handler(this, error.Error);
            }
        }
    }

    // While closing, the group's revoke handlers may still commit and read positions.
    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0 && !_closingGroup, this);

    public void Close() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public void Dispose() => Close();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        // The group goes first: revoking runs the handlers (and auto commit) while the partitions are still here.
        _closingGroup = true;
        try
        {
            await CloseGroupAsync().ConfigureAwait(false);
        }
        finally
        {
            _closingGroup = false;
        }

        if (_drainer.Current is not null)
        {
            _fetcher.Finished(_drainer.Stop()!);
        }

        await _fetcher.DisposeAsync().ConfigureAwait(false);
        await _metadata.DisposeAsync().ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
        _drainer.Dispose();
        foreach (var interceptor in _settings.Interceptors)
        {
            try
            {
                interceptor.OnClose();
            }
            catch (Exception ex)
            {
                _settings.ErrorHandler?.Invoke(this, new Error(Protocol.ErrorCode.UnknownServerError, $"Interceptor {interceptor.GetType().Name}.OnClose failed: {ex.Message}"));
            }
        }
    }
}
