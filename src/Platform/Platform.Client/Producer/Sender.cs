using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

/// <summary>
/// The producer's single sender thread, Kafka's Sender: finds partitions whose first batch is ready
/// (full, lingered <c>linger.ms</c>, flushing or closing, retry backoff over), groups them by leader,
/// drains one batch per partition into one ProduceRequest per broker up to <c>max.request.size</c>,
/// keeps at most <c>max.in.flight.requests.per.connection</c> requests per broker, and turns answers
/// into delivery reports, retries or failures. All sending state is touched by this thread only;
/// answers arrive on the connection's read loop and are queued for it.
/// </summary>
/// <remarks>
/// Ordering: a partition's batches are sent in creation order, one per request, on one connection,
/// and a retried batch goes back before every newer batch. Without idempotence, a batch that failed
/// while newer ones of the same partition were already in flight and then succeeded lands after
/// them (as in Kafka): set <c>max.in.flight.requests.per.connection=1</c> (a partition then has one
/// batch in flight at a time) or enable idempotence to keep order under retries.
/// </remarks>
internal sealed partial class Sender
{
    private readonly ProducerSettings _settings;
    private readonly RecordAccumulator _accumulator;
    private readonly MetadataManager _metadata;
    private readonly IDeliverySink _sink;
    private readonly Action<Error> _onError;
    private readonly Action _onReleased;
    private readonly TransactionManager? _transactions;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private int _finished;
    private readonly Dictionary<int, NodeState> _nodes = [];
    private readonly List<NodeState> _readyNodes = [];
    private readonly Thread _thread;
    private volatile bool _closing;
    private volatile bool _forceClose;
    private int _flushes;

    // Batches created at or before this tick go without waiting for linger.ms (SendWaiting).
    private long _sendCreatedBy = long.MinValue;
    private int _inFlightRequests;
    private int[] _loadSizes = [];
    private int[] _loadPartitions = [];
    private readonly Action _onRequestDone;

    public Sender(ProducerSettings settings, RecordAccumulator accumulator, MetadataManager metadata, IDeliverySink sink, Action<Error> onError, Action onReleased, TransactionManager? transactions = null)
    {
        _transactions = transactions;
        _settings = settings;
        _accumulator = accumulator;
        _metadata = metadata;
        _sink = sink;
        _onError = onError;
        _onReleased = onReleased;
        _onRequestDone = () =>
        {
            Interlocked.Increment(ref _finished);
            Wake();
        };
        _thread = new Thread(Run) { IsBackground = true, Name = "platform-producer-sender" };
    }

    public void Start() => _thread.Start();

    public void Wake()
    {
        if (!_wake.IsSet)
        {
            _wake.Set();
        }
    }

    /// <summary>While a flush is on, batches are sent without waiting for <c>linger.ms</c>.</summary>
    public void BeginFlush()
    {
        Interlocked.Increment(ref _flushes);
        Wake();
    }

    public void EndFlush() => Interlocked.Decrement(ref _flushes);

    /// <summary>The batches there are now are sent without waiting for <c>linger.ms</c>; later ones linger.</summary>
    public void SendWaiting()
    {
        Volatile.Write(ref _sendCreatedBy, Environment.TickCount64);
        Wake();
    }

    /// <summary>
    /// For a record produced at <paramref name="producedAt"/> and appended only now (it waited for metadata, an async
    /// serializer or buffer memory): if <see cref="SendWaiting"/> was called since, its batch goes without lingering too.
    /// </summary>
    public void SendWaitingIfCalledSince(long producedAt)
    {
        if (Volatile.Read(ref _sendCreatedBy) >= producedAt)
        {
            SendWaiting();
        }
    }

    /// <summary>Sends everything left, then stops; <paramref name="force"/> fails what is left instead.</summary>
    public void Close(bool force)
    {
        _closing = true;
        _forceClose |= force;
        Wake();
    }

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        while (true)
        {
            _wake.Reset();
            var now = Environment.TickCount64;
            var nextWake = now + 100;
            try
            {
                ProcessCompletions(now);
                if (_forceClose)
                {
                    FailQueued(new Error(ErrorCode.NetworkException, "The producer was closed before the record could be sent."));
                }

                if (_closing && _inFlightRequests == 0 && (_forceClose || _accumulator.IncompleteRecords == 0))
                {
                    return;
                }

                Expire(now);
                CheckRequestTimeouts(now, ref nextWake);
                if (_transactions is not null)
                {
                    RunTransactional(now, ref nextWake);
                }
                else if (!_settings.EnableIdempotence || EnsureProducerId(now, ref nextWake))
                {
                    SendReady(now, ref nextWake);
                }
            }
            catch (Exception ex)
            {
                // A bug here must not stop delivery for good: report it and go on.
                _onError(new Error(ErrorCode.UnknownServerError, $"Producer sender failed: {ex}"));
                nextWake = now + 100;
            }

            var wait = nextWake - Environment.TickCount64;
            if (wait > 0 && Volatile.Read(ref _finished) == 0)
            {
                _wake.Wait((int)Math.Min(wait, int.MaxValue));
            }
        }
    }

    private void SendReady(long now, ref long nextWake)
    {
        var metadata = _metadata.Current;
        var lingerOff = _closing || Volatile.Read(ref _flushes) > 0;
        var sendCreatedBy = Volatile.Read(ref _sendCreatedBy);
        var mute = _settings.MaxInFlight == 1;
        foreach (var queue in _accumulator.Queues)
        {
            ProducerBatch first;
            int count;
            queue.SendBlocked = false;
            lock (queue.Lock)
            {
                count = queue.Batches.Count;
                queue.Queued = count;
                if (count == 0)
                {
                    continue;
                }

                first = queue.Batches[0];
            }

            if (_transactions is not null && !_transactions.IsPartitionAdded(queue))
            {
                continue;
            }

            if (first.RetryAtTicks > now)
            {
                nextWake = Math.Min(nextWake, first.RetryAtTicks);
                continue;
            }

            if (!(count > 1 || first.IsFull || lingerOff || first.CreatedTicks <= sendCreatedBy || now - first.CreatedTicks >= _settings.LingerMs))
            {
                nextWake = Math.Min(nextWake, first.CreatedTicks + _settings.LingerMs);
                continue;
            }

            if (queue.InFlight > 0 && (mute || (_settings.EnableIdempotence && !queue.SequenceConfirmed)))
            {
                queue.SendBlocked = true;
                continue;
            }

            var leader = Leader(metadata, queue);
            if (leader < 0)
            {
                _metadata.RequestUpdate();
                continue;
            }

            if (!_nodes.TryGetValue(leader, out var node))
            {
                node = new NodeState(leader, now);
                _nodes[leader] = node;
            }

            if (node.Ready.Count == 0)
            {
                _readyNodes.Add(node);
            }

            node.Ready.Add(queue);
        }

        var sent = false;
        foreach (var node in _readyNodes)
        {
            node.ReadyTicks = now;
            if (node.InFlight < _settings.MaxInFlight && TryGetConnection(node, now, ref nextWake) is { } connection)
            {
                node.DrainTicks = now;
                sent |= Drain(node, connection, now);
            }

            if (node.InFlight >= _settings.MaxInFlight)
            {
                foreach (var queue in node.Ready)
                {
                    queue.SendBlocked = true;
                }
            }

            node.Ready.Clear();
        }

        _readyNodes.Clear();
        if (sent)
        {
            // A request takes one batch per partition: look again at once, as Kafka's sender polls with no
            // timeout while nodes have data ready, so the partitions' next batches go out up to
            // max.in.flight.requests.per.connection requests deep instead of one request per wake-up (an answer).
            nextWake = now;
        }

        if (_settings.AdaptivePartitioning && _settings.Partitioner == PartitionerType.Murmur2Sticky)
        {
            UpdateLoad(metadata);
        }
    }

    /// <summary>
    /// Kafka's adaptive partitioning (KIP-794): publishes each topic's partition load, its queues' depths in batches
    /// as just seen, for the sticky partitioner; partitions without leader are left out, and so, with
    /// <c>partitioner.availability.timeout.ms</c>, are those of a broker that had batches ready and took none for that long.
    /// </summary>
    private void UpdateLoad(ClusterMetadata metadata)
    {
        foreach (var topic in _accumulator.Topics)
        {
            if (!metadata.Topics.TryGetValue(topic.Topic, out var info))
            {
                continue;
            }

            var partitions = info.Partitions;
            var queues = topic.Created;
            var all = queues.Length >= partitions.Length;
            for (var p = 0; p < partitions.Length && all; p++)
            {
                all = queues[p] is not null;
            }

            if (!all)
            {
                // As in Kafka: uniform until every partition has a queue, or one without would never be chosen.
                topic.Load = null;
                continue;
            }

            if (_loadSizes.Length < partitions.Length)
            {
                _loadSizes = new int[partitions.Length];
                _loadPartitions = new int[partitions.Length];
            }

            var count = 0;
            for (var p = 0; p < partitions.Length; p++)
            {
                var leader = partitions[p].LeaderId;
                if (leader < 0 || (_settings.PartitionAvailabilityTimeoutMs > 0 && _nodes.TryGetValue(leader, out var node)
                    && node.ReadyTicks - node.DrainTicks > _settings.PartitionAvailabilityTimeoutMs))
                {
                    continue;
                }

                _loadSizes[count] = queues[p]!.Queued;
                _loadPartitions[count] = p;
                count++;
            }

            var load = PartitionLoad.Of(_loadSizes.AsSpan(0, count), _loadPartitions.AsSpan(0, count), partitions.Length, topic.Load);
            if (!ReferenceEquals(load, topic.Load))
            {
                topic.Load = load;
            }
        }
    }

    private static int Leader(ClusterMetadata metadata, PartitionQueue queue)
        => metadata.Topics.TryGetValue(queue.Topic, out var topic) && queue.Partition < topic.Partitions.Length
            ? topic.Partitions[queue.Partition].LeaderId
            : -1;

    private KafkaConnection? TryGetConnection(NodeState node, long now, ref long nextWake)
    {
        var connecting = node.Connecting;
        if (connecting is { IsCompletedSuccessfully: true } && !connecting.Result.IsClosed)
        {
            return connecting.Result;
        }

        if (connecting is { IsCompleted: false })
        {
            return null;
        }

        if (connecting is not null)
        {
            // Failed, or connected and since lost: wait out the backoff, then learn where the leader is now.
            node.Connecting = null;
            node.ReconnectAtTicks = now + _settings.RetryBackoffMs;
            _metadata.RequestUpdate();
        }

        if (now < node.ReconnectAtTicks)
        {
            nextWake = Math.Min(nextWake, node.ReconnectAtTicks);
            return null;
        }

        connecting = _metadata.GetNodeConnectionAsync(node.Id);
        node.Connecting = connecting;
        WakeOnCompletion(connecting);
        return connecting.IsCompletedSuccessfully ? connecting.Result : null;
    }

    /// <summary>Wakes the sender loop when <paramref name="task"/> ends (its failure is observed; the loop reads the outcome).</summary>
    private void WakeOnCompletion(Task task) => task.ContinueWith(
        static (t, state) =>
        {
            _ = t.Exception;
            ((Sender)state!).Wake();
        },
        this,
        CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously,
        TaskScheduler.Default);

    /// <summary>Sends one request of the node's ready partitions' first batches; false when none could go.</summary>
    private bool Drain(NodeState node, KafkaConnection connection, long now)
    {
        var ready = node.Ready;
        var batches = new List<ProducerBatch>(ready.Count);
        var size = 0;
        var start = node.DrainStart++ % ready.Count;
        for (var i = 0; i < ready.Count; i++)
        {
            var queue = ready[(start + i) % ready.Count];
            ProducerBatch batch;
            lock (queue.Lock)
            {
                if (queue.Batches.Count == 0 || queue.Batches[0].RetryAtTicks > now)
                {
                    continue;
                }

                batch = queue.Batches[0];
                var estimate = batch.IsBuilt ? batch.SizeInBytes : batch.Builder.UncompressedSizeInBytes;
                if (batches.Count > 0 && size + estimate > _settings.MaxRequestSize)
                {
                    break;
                }

                queue.Batches.RemoveAt(0);
                batch.MarkDrained();
            }

            if (_settings.EnableIdempotence && batch.BaseSequence < 0)
            {
                batch.BaseSequence = queue.NextProducerSequence;
                queue.NextProducerSequence += batch.Count;
            }

            batch.Build(_producerId, _producerEpoch, _transactions is not null);
            size += batch.SizeInBytes;
            batches.Add(batch);
            queue.InFlight++;
        }

        if (batches.Count == 0)
        {
            return false;
        }

        node.InFlight++;
        _inFlightRequests++;
        var request = new Completion(node, batches, connection, now, _onRequestDone);
        node.Requests.Enqueue(request);
        Send(request, connection);
        return true;
    }

    /// <summary>
    /// Writes the request on this thread (the socket usually takes it at once); the answer completes
    /// it on the connection's read loop, which wakes this thread: one hand-off per request.
    /// </summary>
    private void Send(Completion inFlight, KafkaConnection connection)
    {
        var version = connection.ApiVersions.Select(ApiKey.Produce);
        if (version < 3)
        {
            inFlight.OnCompleted(null, new KafkaException(new Error(ErrorCode.UnsupportedVersion, $"Broker {connection.Address} only supports Produce v{version}; RecordBatch v2 needs v3 or later.")));
            return;
        }

        var request = BuildRequest(inFlight.Batches);
        if (_settings.Acks == 0)
        {
            _ = SendOneWayAsync(inFlight, connection, request, version);
        }
        else
        {
            var written = connection.Send(request, version, inFlight);
            if (!written.IsCompleted)
            {
                // The socket's buffer is full: the rest of the write goes on without this thread.
                _ = written.AsTask();
            }
        }
    }

    private static async Task SendOneWayAsync(Completion inFlight, KafkaConnection connection, ProduceRequest request, short version)
    {
        KafkaException? failure = null;
        try
        {
            await connection.SendOneWayAsync(request, version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (KafkaException ex)
        {
            failure = ex;
        }
        catch (Exception ex)
        {
            failure = new KafkaException(new Error(ErrorCode.UnknownServerError, $"Sending to broker {connection.Address} failed: {ex.Message}"), ex);
        }

        inFlight.OnCompleted(null, failure);
    }

    /// <summary>
    /// Closes a connection whose oldest request went unanswered for <c>request.timeout.ms</c>, as
    /// Kafka's client does (the broker answers in order, so the rest is stuck behind it): its requests
    /// fail as timed out and are retried on a new connection.
    /// </summary>
    private void CheckRequestTimeouts(long now, ref long nextWake)
    {
        foreach (var node in _nodes.Values)
        {
            foreach (var request in node.Requests)
            {
                if (request.IsDone)
                {
                    continue;
                }

                var deadline = request.SentTicks + _settings.RequestTimeoutMs;
                if (now >= deadline)
                {
                    request.Connection.Abort(new KafkaException(new Error(
                        ErrorCode.RequestTimedOut,
                        $"Produce request to broker {request.Connection.Address} timed out after {_settings.RequestTimeoutMs} ms (request.timeout.ms).")));
                }
                else
                {
                    nextWake = Math.Min(nextWake, deadline);
                }

                break;
            }
        }
    }

    private ProduceRequest BuildRequest(List<ProducerBatch> batches)
    {
        var topics = new List<ProduceRequest.TopicProduceData>();
        foreach (var batch in batches)
        {
            ProduceRequest.TopicProduceData? topic = null;
            foreach (var candidate in topics)
            {
                if (candidate.Name == batch.Queue.Topic)
                {
                    topic = candidate;
                    break;
                }
            }

            if (topic is null)
            {
                topic = new ProduceRequest.TopicProduceData { Name = batch.Queue.Topic, PartitionData = [] };
                topics.Add(topic);
            }

            topic.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = batch.Queue.Partition, Records = batch });
        }

        return new ProduceRequest { Acks = _settings.Acks, TimeoutMs = _settings.RequestTimeoutMs, TopicData = topics };
    }
}
