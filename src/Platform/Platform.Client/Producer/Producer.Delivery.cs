using System.Runtime.CompilerServices;
using Platform.Protocol;

namespace Platform.Client.Producer;

internal sealed partial class Producer<TKey, TValue>
{
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _flushers;
    private int _producing;
    private int _disposed;

    // ProduceAsync calls that wait (for metadata, an async serializer, their turn or buffer memory) before they append:
    // a flush and a SendWaiting cover them too, as Kafka's flush covers every record sent before it. Completed when
    // the count drops to 0.
    private readonly Lock _lateAppendsLock = new();
    private int _lateAppends;
    private TaskCompletionSource? _lateAppendsDone;

    /// <summary>Runs on the sender thread: turns a finished batch into reports, results or exceptions.</summary>
    public void Deliver(ProducerBatch batch, long baseOffset, long logAppendTime, Error? error, PersistenceStatus status)
    {
        var topic = batch.Queue.Topic;
        var partition = batch.Queue.Partition;
        var slots = batch.Slots;
        var unhandledFailures = 0;

        // The records of a batch usually share one handler (a callback passed with every Produce) or one kind of
        // handler (a task source per ProduceAsync): the kind is told once per run of handlers of one type, not by
        // casts per record (in the code shared by reference types, a cast to a generic type looks the type up
        // first). An object's type alone decides what it can be cast to, so the casts below are known to hold.
        object? knownHandler = null;
        Type? knownType = null;
        var kind = HandlerKind.None;
        for (var i = 0; i < slots.Length; i++)
        {
            ref readonly var slot = ref slots[i];
            var handler = slot.Handler;
            if (handler is null && _interceptors.Length == 0)
            {
                unhandledFailures += error is null ? 0 : 1;
                continue;
            }

            if (!ReferenceEquals(handler, knownHandler))
            {
                knownHandler = handler;
                var type = handler?.GetType();
                if (!ReferenceEquals(type, knownType))
                {
                    knownType = type;
                    kind = handler switch
                    {
                        Action<DeliveryReport<TKey, TValue>> => HandlerKind.Action,
                        TaskCompletionSource<DeliveryResult<TKey, TValue>> => HandlerKind.Result,
                        IDeliveryHandler<TKey, TValue> => HandlerKind.Handler,
                        IRunDeliveryHandler => HandlerKind.Run,
                        _ => HandlerKind.None,
                    };
                }
            }

            if (kind == HandlerKind.Run)
            {
                i = DeliverRun(Unsafe.As<IRunDeliveryHandler>(handler!), batch, i, baseOffset, error);
                continue;
            }

            var offset = error is null && baseOffset >= 0 ? baseOffset + i : -1;
            var timestamp = logAppendTime >= 0
                ? new Timestamp(logAppendTime, TimestampType.LogAppendTime)
                : new Timestamp(slot.Timestamp, TimestampType.CreateTime);

            // Set with every handler and whenever there are interceptors, to the caller's Message<TKey, TValue>.
            var message = Unsafe.As<Message<TKey, TValue>>(slot.Message!);
            var report = _interceptors.Length > 0 || kind == HandlerKind.Action
                ? Acknowledged(new DeliveryReport<TKey, TValue>
                {
                    Topic = topic,
                    Partition = partition,
                    Offset = offset,
                    Timestamp = timestamp,
                    Status = status,
                    Message = message,
                    Error = error ?? Error.NoError,
                })
                : null;

            switch (kind)
            {
                case HandlerKind.Action:
                    try
                    {
                        Unsafe.As<Action<DeliveryReport<TKey, TValue>>>(handler!)(report!);
                    }
                    catch (Exception ex)
                    {
                        ReportError(new Error(ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
                    }

                    break;
                case HandlerKind.Result:
                    var completion = Unsafe.As<TaskCompletionSource<DeliveryResult<TKey, TValue>>>(handler!);
                    var result = new DeliveryResult<TKey, TValue>
                    {
                        Topic = topic,
                        Partition = partition,
                        Offset = offset,
                        Timestamp = timestamp,
                        Status = status,
                        Message = message,
                    };
                    if (error is null)
                    {
                        completion.TrySetResult(result);
                    }
                    else
                    {
                        completion.TrySetException(new ProduceException<TKey, TValue>(error, result));
                    }

                    break;
                case HandlerKind.Handler:
                    try
                    {
                        Unsafe.As<IDeliveryHandler<TKey, TValue>>(handler!).OnDelivery(topic, partition, offset, error ?? Error.NoError, message);
                    }
                    catch (Exception ex)
                    {
                        ReportError(new Error(ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
                    }

                    break;
                default:
                    unhandledFailures += error is null ? 0 : 1;
                    break;
            }
        }

        if (unhandledFailures > 0)
        {
            // Fire-and-forget records have nobody to tell but the error handler: never lose them silently.
            ReportError(new Error(error!.Code, $"{unhandledFailures} record(s) to {topic}-{partition} without a delivery handler failed: {error.Reason}"));
        }
    }

    /// <summary>Shows <paramref name="report"/> to the interceptors (a throwing one goes to the error handler); returns it.</summary>
    private DeliveryReport<TKey, TValue> Acknowledged(DeliveryReport<TKey, TValue> report)
    {
        foreach (var interceptor in _interceptors)
        {
            try
            {
                interceptor.OnAcknowledgement(report);
            }
            catch (Exception ex)
            {
                ReportError(new Error(ErrorCode.UnknownServerError, $"Producer interceptor {interceptor.GetType().Name}.OnAcknowledgement threw: {ex.Message}"));
            }
        }

        return report;
    }

    private void ReportError(Error error)
    {
        try
        {
            _errorHandler?.Invoke(this, error);
        }
        catch (Exception)
        {
            // The error handler is the last resort; its own failure has nowhere to go.
        }
    }

    private void OnBatchReleased()
    {
        if (Volatile.Read(ref _flushers) > 0)
        {
            Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public int Flush(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            FlushAsync(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Timed out: the count below says how much is left.
        }

        return (int)Math.Min(int.MaxValue, _accumulator.IncompleteRecords);
    }

    public void Flush(CancellationToken cancellationToken = default) => FlushAsync(cancellationToken).GetAwaiter().GetResult();

    public void SendWaiting() => _sender.SendWaiting();

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _flushers);
        _sender.BeginFlush();
        try
        {
            await LateAppendsDoneAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var released = Volatile.Read(ref _released).Task;
                if (_accumulator.IncompleteRecords == 0)
                {
                    return;
                }

                await released.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sender.EndFlush();
            Interlocked.Decrement(ref _flushers);
        }
    }

    /// <summary>A <c>ProduceAsync</c> call goes on to wait before it appends (see <see cref="FlushAsync"/>).</summary>
    private void BeginLateAppend()
    {
        lock (_lateAppendsLock)
        {
            _lateAppends++;
        }
    }

    /// <summary>
    /// The call of <see cref="BeginLateAppend"/>, made at <paramref name="producedAt"/>, appended its record or failed.
    /// A <see cref="SendWaiting"/> since then covers the record: its batch goes without lingering, as if appended at once.
    /// </summary>
    private void EndLateAppend(long producedAt)
    {
        _sender.SendWaitingIfCalledSince(producedAt);
        TaskCompletionSource? done = null;
        lock (_lateAppendsLock)
        {
            if (--_lateAppends == 0)
            {
                (done, _lateAppendsDone) = (_lateAppendsDone, null);
            }
        }

        done?.TrySetResult();
    }

    /// <summary>Completes once no <c>ProduceAsync</c> call is waiting to append.</summary>
    private Task LateAppendsDoneAsync(CancellationToken cancellationToken)
    {
        lock (_lateAppendsLock)
        {
            if (_lateAppends == 0)
            {
                return Task.CompletedTask;
            }

            _lateAppendsDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _lateAppendsDone.Task.WaitAsync(cancellationToken);
        }
    }

    private void EnterProduce()
    {
        Interlocked.Increment(ref _producing);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _producing);
            throw new ObjectDisposedException(GetType().Name, "The producer is disposed.");
        }
    }

    private void ExitProduce() => Interlocked.Decrement(ref _producing);

    /// <summary>
    /// Sends every waiting record and waits for its report, then closes. Records still undelivered
    /// after <c>delivery.timeout.ms</c> (plus a grace period) are failed, so every record gets a report.
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Let producers that got past the check finish appending, so no record lands after the sender stopped.
        while (Volatile.Read(ref _producing) > 0)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }

        _sender.Close(force: false);
        var joined = await Task.Run(() => _sender.Join(TimeSpan.FromMilliseconds(_settings.DeliveryTimeoutMs + 1000))).ConfigureAwait(false);
        if (!joined)
        {
            _sender.Close(force: true);
            await _cluster.DisposeAsync().ConfigureAwait(false);
            await Task.Run(() => _sender.Join(TimeSpan.FromMilliseconds(_settings.RequestTimeoutMs))).ConfigureAwait(false);
        }

        await _metadata.DisposeAsync().ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>What a record's delivery handler is, told once per run of handlers of one type.</summary>
    private enum HandlerKind
    {
        None,
        Action,
        Result,
        Handler,

        /// <summary>Records appended with <see cref="ProduceStaged"/>, reported a run at a time.</summary>
        Run,
    }
}
