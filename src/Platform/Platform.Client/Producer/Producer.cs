using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Client.Serialization;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>
/// The producer pipeline of Kafka's Java client: interceptors, serializers, partitioner, then the
/// <see cref="RecordAccumulator"/> on the calling thread; the <see cref="Sender"/> thread does the rest.
/// A record costs no allocation of its own on the callback and fire-and-forget paths: it is
/// serialized once into its batch, its report slot is a struct in a pooled array.
/// </summary>
internal sealed partial class Producer<TKey, TValue> : IProducer<TKey, TValue>, IDeliverySink
{
    [ThreadStatic]
    private static byte[]? _scratch;

    private readonly ProducerSettings _settings;
    private readonly SerializerPair<TKey> _keySerializer;
    private readonly SerializerPair<TValue> _valueSerializer;
    private readonly Dictionary<string, PartitionerDelegate> _partitioners;
    private readonly PartitionerDelegate? _defaultPartitioner;
    private readonly Action<IProducer<TKey, TValue>, Error>? _errorHandler;
    private readonly IProducerInterceptor<TKey, TValue>[] _interceptors;
    private readonly ClusterConnections _cluster;
    private readonly MetadataManager _metadata;
    private readonly RecordAccumulator _accumulator;
    private readonly Sender _sender;
    private readonly TransactionManager? _transactions;

    // Records without key and partition go to the sticky partition (KIP-794) unless a partitioner of the caller's decides.
    private readonly bool _stickyWithoutKey;

    // The queues of the topics produced to last, found by the caller's topic string without hashing it (a thread
    // producing in runs to a few topics looks each up once). Entries are immutable; a miss replaces one.
    private readonly TopicEntry?[] _recentTopics = new TopicEntry?[4];
    private int _nextRecent;

    public Producer(
        ProducerSettings settings,
        SerializerPair<TKey> keySerializer,
        SerializerPair<TValue> valueSerializer,
        Dictionary<string, PartitionerDelegate> partitioners,
        PartitionerDelegate? defaultPartitioner,
        Action<IProducer<TKey, TValue>, Error>? errorHandler,
        IProducerInterceptor<TKey, TValue>[] interceptors)
    {
        _settings = settings;
        _keySerializer = keySerializer;
        _valueSerializer = valueSerializer;
        _partitioners = partitioners;
        _defaultPartitioner = defaultPartitioner;
        _errorHandler = errorHandler;
        _interceptors = interceptors;
        _stickyWithoutKey = partitioners.Count == 0 && defaultPartitioner is null && settings.Partitioner == PartitionerType.Murmur2Sticky;
        _cluster = new ClusterConnections(settings.Bootstrap, settings.ConnectionOptions());
        _metadata = new MetadataManager(_cluster, new MetadataManagerOptions
        {
            MaxAge = TimeSpan.FromMilliseconds(settings.MetadataMaxAgeMs),
            RetryBackoff = TimeSpan.FromMilliseconds(settings.RetryBackoffMs),
            AllowAutoTopicCreation = settings.AllowAutoCreateTopics,
        });
        _accumulator = new RecordAccumulator(settings, () => _sender!.Wake());
        _transactions = settings.TransactionalId is null ? null : new TransactionManager(settings, _cluster, FlushAsync, () => _sender!.Wake());
        _sender = new Sender(settings, _accumulator, _metadata, this, ReportError, OnBatchReleased, _transactions);
        _metadata.Updated += _ => _sender.Wake();
        _sender.Start();
    }

    public string Name => _settings.ClientId;

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
        => ProduceAsyncCore(topic, -1, message, cancellationToken);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicPartition);
        return ProduceAsyncCore(topicPartition.Topic, topicPartition.Partition, message, cancellationToken);
    }

    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
        => ProduceCore(topic, -1, message, deliveryHandler);

    public void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        ArgumentNullException.ThrowIfNull(topicPartition);
        ProduceCore(topicPartition.Topic, topicPartition.Partition, message, deliveryHandler);
    }

    public void Produce(string topic, int partition, Message<TKey, TValue> message, IDeliveryHandler<TKey, TValue> deliveryHandler)
    {
        ArgumentNullException.ThrowIfNull(deliveryHandler);
        ProduceCore(topic, partition < 0 ? -1 : partition, message, deliveryHandler);
    }

    /// <summary>
    /// Appends at once when nothing must be awaited first (the usual case): no state machine, only the task
    /// of the result. Failures end up in the returned task, as from an async method.
    /// </summary>
    private Task<DeliveryResult<TKey, TValue>> ProduceAsyncCore(string topic, int partition, Message<TKey, TValue> message, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentException.ThrowIfNullOrEmpty(topic);
            ArgumentNullException.ThrowIfNull(message);
            _transactions?.EnsureCanProduce();
            if (_interceptors.Length > 0)
            {
                message = Intercept(topic, message);
            }

            var queues = Queues(topic);
            if (_keySerializer.Async is not null || _valueSerializer.Async is not null || queues.HasAppendsInLine
                || queues.InfoVersion != _metadata.Current.Version || queues.Info is not { IsUsable: true })
            {
                var late = new TaskCompletionSource<DeliveryResult<TKey, TValue>>(TaskCreationOptions.RunContinuationsAsynchronously);
                return AfterAppend(AppendInTurnAsync(queues, partition, message, late, cancellationToken), late, cancellationToken);
            }

            var producedAt = Environment.TickCount64;
            var deadline = producedAt + _settings.MaxBlockMs;
            var completion = new TaskCompletionSource<DeliveryResult<TKey, TValue>>(TaskCreationOptions.RunContinuationsAsynchronously);
            EnterProduce();
            PendingRecord? pending;
            try
            {
                pending = AppendRecord(queues, partition, message, completion, null, deadline, mayBlock: false, cancellationToken);
            }
            catch
            {
                ExitProduce();
                throw;
            }

            if (pending is not null)
            {
                return AfterAppend(AppendWhenMemoryFreeAsync(queues.Topic, pending, producedAt, deadline, cancellationToken), completion, cancellationToken);
            }

            ExitProduce();
            return Result(completion, cancellationToken);
        }
        catch (OperationCanceledException ex) when (ex.CancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<DeliveryResult<TKey, TValue>>(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<DeliveryResult<TKey, TValue>>(ex);
        }
    }

    /// <summary>
    /// The result of a record appended by <paramref name="append"/>, which waits first: the record's own task, which its
    /// delivery report completes before <see cref="Flush(TimeSpan)"/> returns (an async method's task awaiting it
    /// would complete a continuation later). A failed or cancelled append ends the record's task likewise.
    /// </summary>
    private static Task<DeliveryResult<TKey, TValue>> AfterAppend(Task append, TaskCompletionSource<DeliveryResult<TKey, TValue>> completion, CancellationToken cancellationToken)
    {
        append.ContinueWith(
            static (appended, state) =>
            {
                var completion = (TaskCompletionSource<DeliveryResult<TKey, TValue>>)state!;
                try
                {
                    appended.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException ex)
                {
                    completion.TrySetCanceled(ex.CancellationToken);
                }
                catch (Exception ex)
                {
                    completion.TrySetException(ex);
                }
            },
            completion,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.NotOnRanToCompletion,
            TaskScheduler.Default);
        return Result(completion, cancellationToken);
    }

    /// <summary>buffer.memory is full: waits in line for the sender to free some, holding no thread, then appends.</summary>
    private async Task AppendWhenMemoryFreeAsync(string topic, PendingRecord pending, long producedAt, long deadline, CancellationToken cancellationToken)
    {
        BeginLateAppend();
        try
        {
            await WaitForMemoryAsync(topic, pending, deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Held across the wait, so DisposeAsync lets this record in before it stops the sender.
            ExitProduce();
            EndLateAppend(producedAt);
        }
    }

    private async ValueTask WaitForMemoryAsync(string topic, PendingRecord pending, long deadline, CancellationToken cancellationToken)
    {
        if (!await _accumulator.Memory.WaitAsync(pending.Waiter, deadline, cancellationToken).ConfigureAwait(false))
        {
            throw _accumulator.BufferExhausted(topic, pending.Partition, pending.Bytes);
        }
    }

    private static Task<DeliveryResult<TKey, TValue>> Result(TaskCompletionSource<DeliveryResult<TKey, TValue>> completion, CancellationToken cancellationToken)
        => cancellationToken.CanBeCanceled ? completion.Task.WaitAsync(cancellationToken) : completion.Task;

    /// <summary>
    /// <c>ProduceAsync</c> when the topic's metadata or an async serializer must be awaited, or such calls are
    /// already in line: takes its turn, so calls append in call order (the record reports to <paramref name="completion"/>).
    /// </summary>
    private async Task AppendInTurnAsync(TopicQueues queues, int partition, Message<TKey, TValue> message, TaskCompletionSource<DeliveryResult<TKey, TValue>> completion, CancellationToken cancellationToken)
    {
        var topic = queues.Topic;
        var producedAt = Environment.TickCount64;
        var deadline = producedAt + _settings.MaxBlockMs;
        var awaitTopic = !_metadata.TryGetTopic(topic, out var info) || !info.IsUsable;
        var awaitSerializer = _keySerializer.Async is not null || _valueSerializer.Async is not null;
        TaskCompletionSource? turn = null;
        Task? before = null;
        if (awaitTopic || awaitSerializer || queues.HasAppendsInLine)
        {
            // Calls that await before they append would append in whatever order their continuations
            // happen to run: they take turns per topic, in call order, so each appends after the one before.
            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            before = queues.TakeTurn(turn.Task);
        }

        BeginLateAppend();
        try
        {
            if (awaitTopic)
            {
                await WaitForTopicAsync(topic, deadline, cancellationToken).ConfigureAwait(false);
            }

            Serialized? preserialized = null;
            if (awaitSerializer)
            {
                preserialized = await SerializeAsync(topic, message, cancellationToken).ConfigureAwait(false);
            }

            if (before is { IsCompleted: false })
            {
                await before.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            EnterProduce();
            try
            {
                if (AppendRecord(queues, partition, message, completion, preserialized, deadline, mayBlock: false, cancellationToken) is { } pending)
                {
                    // buffer.memory is full: wait in line for the sender to free some, holding no thread.
                    await WaitForMemoryAsync(topic, pending, deadline, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                // Held across the wait, so DisposeAsync lets this record in before it stops the sender.
                ExitProduce();
            }
        }
        finally
        {
            turn?.TrySetResult();
            EndLateAppend(producedAt);
        }
    }

    private void ProduceCore(
        string topic,
        int partition,
        Message<TKey, TValue> message,
        object? handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(message);
        _transactions?.EnsureCanProduce();
        EnterProduce();
        try
        {
            if (_interceptors.Length > 0)
            {
                // Not called without interceptors: a method with a try block is not inlined, and this runs per record.
                message = Intercept(topic, message);
            }

            AppendRecord(Queues(topic), partition, message, handler, null, ProducerSettings.BlockFromFirstWait, mayBlock: true, CancellationToken.None);
        }
        finally
        {
            ExitProduce();
        }
    }

    private TopicQueues Queues(string topic)
    {
        foreach (var entry in _recentTopics)
        {
            if (entry is not null && ReferenceEquals(entry.Topic, topic))
            {
                return entry.Queues;
            }
        }

        var queues = _accumulator.GetTopic(topic);
        _recentTopics[(_nextRecent++ & int.MaxValue) % _recentTopics.Length] = new TopicEntry(topic, queues);
        return queues;
    }

    /// <summary>
    /// Serializes, partitions and appends an (intercepted) record. Waiting for buffer memory blocks
    /// when <paramref name="mayBlock"/>; otherwise the record is returned as a waiter for the caller to await.
    /// </summary>
    private PendingRecord? AppendRecord(
        TopicQueues queues,
        int partition,
        Message<TKey, TValue> message,
        object? handler,
        Serialized? preserialized,
        long deadline,
        bool mayBlock,
        CancellationToken cancellationToken)
    {
        var topic = queues.Topic;
        var info = Topic(queues, ref deadline, cancellationToken);

        byte[]? scratch = null;
        var used = 0;
        SerializedPart key, value;
        if (preserialized is not null)
        {
            (key, value) = (preserialized.Key, preserialized.Value);
        }
        else
        {
            // Null and byte[] (the usual keys and values) without a call into the generic Serialize: over reference
            // types that call goes through a run-time lookup of its instantiation, per record.
            var keyData = message.Key;
            key = _keySerializer.IsNull ? default
                : _keySerializer.IsByteArray ? SerializedPart.From(Unsafe.As<TKey, byte[]?>(ref keyData))
                : Serialize(_keySerializer, keyData, MessageComponentType.Key, topic, message, ref scratch, ref used);
            var valueData = message.Value;
            value = _valueSerializer.IsNull ? default
                : _valueSerializer.IsByteArray ? SerializedPart.From(Unsafe.As<TValue, byte[]?>(ref valueData))
                : Serialize(_valueSerializer, valueData, MessageComponentType.Value, topic, message, ref scratch, ref used);
        }

        var headers = message.Headers?.Entries;
        var timestamp = message.Timestamp.Type == TimestampType.NotAvailable
            ? (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond
            : message.Timestamp.UnixTimestampMs;
        var record = new SerializedRecord(
            timestamp, key.Span, key.IsNull, value.Span, value.IsNull, headers, handler, handler is null && _interceptors.Length == 0 ? null : message);

        ThrowIfTooLarge(record, topic, partition, message);
        partition = ChoosePartition(topic, partition, queues, info, key, message, out var sticky);
        while (true)
        {
            StickyStint? stint = null;
            if (sticky)
            {
                stint = queues.Stint(info);
                partition = stint.Partition;
            }

            if (mayBlock)
            {
                if (_accumulator.Append(queues, partition, record, stint, deadline, cancellationToken))
                {
                    return null;
                }

                continue;
            }

            switch (_accumulator.TryAppend(queues, partition, record, stint, out var needed))
            {
                case AppendOutcome.Appended:
                    return null;
                case AppendOutcome.NeedsMemory:
                    return new PendingRecord(_accumulator.Wait(queues, partition, record, needed, stint), partition, needed);
            }
        }
    }

    /// <summary>Refuses a record larger than <c>max.request.size</c> or <c>buffer.memory</c> (its estimate, as the batches count it).</summary>
    private void ThrowIfTooLarge(in SerializedRecord record, string topic, int partition, Message<TKey, TValue>? message)
    {
        var size = RecordBatchHeader.Size + record.EstimatedSize;
        if (size > _settings.MaxRequestSize || size > _settings.BufferMemory)
        {
            throw Failure(ErrorCode.MessageTooLarge, $"The record is {size} bytes when serialized, which is larger than "
                + (size > _settings.MaxRequestSize ? $"max.request.size ({_settings.MaxRequestSize})" : $"buffer.memory ({_settings.BufferMemory})")
                + "; it was not sent.", topic, partition, message, null);
        }
    }

    private TopicInfo Topic(TopicQueues queues, ref long deadline, CancellationToken cancellationToken)
    {
        var current = _metadata.Current;
        if (queues.InfoVersion == current.Version && queues.Info is { } cached)
        {
            return cached;
        }

        if (!current.Topics.TryGetValue(queues.Topic, out var info) || !info.IsUsable)
        {
            // The time waited here counts against max.block.ms for the memory wait after it too.
            deadline = _settings.BlockDeadline(deadline);
            WaitForTopicAsync(queues.Topic, deadline, cancellationToken).GetAwaiter().GetResult();
            current = _metadata.Current;
            info = current.Topics[queues.Topic];
        }

        queues.Info = info;
        queues.InfoVersion = current.Version;
        return info;
    }

    private async Task WaitForTopicAsync(string topic, long deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
        try
        {
            await _metadata.GetTopicAsync(topic, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var known = _metadata.TryGetTopic(topic, out var info) ? info.Error : ErrorCode.None;
            var why = known != ErrorCode.None
                ? $"the cluster answered {known.ToKafkaName()}"
                : _metadata.LastError is { } error ? $"last metadata error: {error.Message}" : "no broker answered";
            throw new KafkaException(new Error(
                known == ErrorCode.UnknownTopicOrPartition ? known : ErrorCode.RequestTimedOut,
                $"Topic '{topic}' not present in metadata after {_settings.MaxBlockMs} ms (max.block.ms): {why}."));
        }
    }

    private int ChoosePartition(string topic, int partition, TopicQueues queues, TopicInfo info, in SerializedPart key, Message<TKey, TValue>? message, out bool sticky)
    {
        if (partition < 0 && key.IsNull && _stickyWithoutKey)
        {
            // The usual record without key or partition, told apart before the general case: this runs per record.
            sticky = true;
            return -1;
        }

        sticky = false;
        var count = info.Partitions.Length;
        if (partition < 0)
        {
            var custom = _partitioners.Count > 0 && _partitioners.TryGetValue(topic, out var forTopic) ? forTopic : _defaultPartitioner;
            if (custom is not null)
            {
                partition = custom(topic, count, key.Span, key.IsNull);
            }
            else if (!key.IsNull && _settings.Partitioner != PartitionerType.RoundRobin && !_settings.PartitionerIgnoreKeys)
            {
                return Murmur2.Partition(key.Span, count);
            }
            else if (_settings.Partitioner == PartitionerType.Murmur2Sticky)
            {
                // The partition is the stint's, taken when appending (KIP-794).
                sticky = true;
                return -1;
            }
            else
            {
                var available = info.AvailablePartitions.Length > 0 ? info.AvailablePartitions : [.. Enumerable.Range(0, count)];
                return available[(Interlocked.Increment(ref queues.RoundRobin) & int.MaxValue) % available.Length];
            }
        }

        if ((uint)partition >= (uint)count)
        {
            throw Failure(ErrorCode.UnknownTopicOrPartition, $"Partition {partition} of topic '{topic}' does not exist: the topic has {count} partition(s).", topic, partition, message, null);
        }

        return partition;
    }

    private Message<TKey, TValue> Intercept(string topic, Message<TKey, TValue> message)
    {
        foreach (var interceptor in _interceptors)
        {
            try
            {
                message = interceptor.OnSend(topic, message) ?? message;
            }
            catch (Exception ex)
            {
                ReportError(new Error(ErrorCode.UnknownServerError, $"Producer interceptor {interceptor.GetType().Name}.OnSend threw: {ex.Message}"));
            }
        }

        return message;
    }

    /// <summary>
    /// Serializes a key or value (the built-in Null and byte[] ones are taken by the caller): bytes already are
    /// taken from where they are; a span serializer writes into
    /// <paramref name="scratch"/> (this thread's buffer, fetched on first need) from <paramref name="used"/> on.
    /// </summary>
    private SerializedPart Serialize<T>(SerializerPair<T> serializer, T data, MessageComponentType component, string topic, Message<TKey, TValue> message, ref byte[]? scratch, ref int used)
    {
        try
        {
            if (typeof(T) == typeof(ReadOnlyMemory<byte>?) && ReferenceEquals(serializer.Sync, Serializers.ByteMemory))
            {
                // Bytes already: appended from where they are (the caller's array), no copy to the scratch first.
                var memory = Unsafe.As<T, ReadOnlyMemory<byte>?>(ref data);
                if (memory is not { } bytes)
                {
                    return SerializedPart.Null;
                }

                if (MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array is not null)
                {
                    return new SerializedPart(segment.Array, segment.Offset, segment.Count);
                }
            }

            if (serializer.Span is { } span)
            {
                var max = span.MaxSize(data);
                if (max < 0)
                {
                    return SerializedPart.Null;
                }

                scratch ??= _scratch ??= new byte[4096];
                if (scratch.Length - used < max)
                {
                    // The key already written stays valid in the old array.
                    scratch = new byte[Math.Max(scratch.Length * 2, used + max)];
                    _scratch = scratch;
                    used = 0;
                }

                var written = span.Write(data, scratch.AsSpan(used));
                var part = new SerializedPart(scratch, used, written);
                used += written;
                return part;
            }

            return SerializedPart.From(serializer.Sync!.Serialize(data, new SerializationContext(component, topic, message.Headers)));
        }
        catch (Exception ex)
        {
            throw Failure(ErrorCode.InvalidRecord, $"{component} serialization failed for topic '{topic}': {ex.Message}", topic, -1, message, ex);
        }
    }

    private async Task<Serialized> SerializeAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken)
    {
        async Task<SerializedPart> One<T>(SerializerPair<T> serializer, T data, MessageComponentType component)
        {
            try
            {
                var context = new SerializationContext(component, topic, message.Headers);
                return SerializedPart.From(serializer.Async is { } async
                    ? await async.SerializeAsync(data, context, cancellationToken).ConfigureAwait(false)
                    : serializer.Sync!.Serialize(data, context));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Failure(ErrorCode.InvalidRecord, $"{component} serialization failed for topic '{topic}': {ex.Message}", topic, -1, message, ex);
            }
        }

        var key = await One(_keySerializer, message.Key, MessageComponentType.Key).ConfigureAwait(false);
        var value = await One(_valueSerializer, message.Value, MessageComponentType.Value).ConfigureAwait(false);
        return new Serialized(key, value);
    }

    /// <summary>The exception refusing a record: a <see cref="ProduceException{TKey, TValue}"/> with its message, a plain one for a staged record (no message).</summary>
    private static KafkaException Failure(ErrorCode code, string reason, string topic, int partition, Message<TKey, TValue>? message, Exception? inner)
        => message is null
            ? new KafkaException(new Error(code, reason), inner)
            : new ProduceException<TKey, TValue>(new Error(code, reason), new DeliveryResult<TKey, TValue> { Topic = topic, Partition = partition, Message = message, Status = PersistenceStatus.NotPersisted }, inner);

    private sealed record Serialized(SerializedPart Key, SerializedPart Value);

    private sealed record TopicEntry(string Topic, TopicQueues Queues);

    /// <summary>A record waiting for buffer memory (with its own copy of key and value: the scratch buffer is not ours after an await).</summary>
    private sealed record PendingRecord(MemoryWaiter Waiter, int Partition, int Bytes);
}
