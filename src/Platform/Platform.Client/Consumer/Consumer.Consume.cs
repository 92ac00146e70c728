using System.Runtime.CompilerServices;
using Platform.Client.Consumer.Fetching;
using Platform.Client.Serialization;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Consumer;

internal sealed partial class Consumer<TKey, TValue>
{
    public ConsumeResult<TKey, TValue> Consume(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryConsume(out var result))
            {
                return result;
            }

            _fetcher.WaitForDataAsync(WaitSlice(Timeout.InfiniteTimeSpan), cancellationToken).GetAwaiter().GetResult();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public ConsumeResult<TKey, TValue>? Consume(TimeSpan timeout)
    {
        var deadline = Deadline(timeout);
        while (true)
        {
            if (TryConsume(out var result))
            {
                return result;
            }

            var left = Remaining(deadline);
            if (left == TimeSpan.Zero)
            {
                return null;
            }

            _fetcher.WaitForDataAsync(WaitSlice(left), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public ValueTask<ConsumeResult<TKey, TValue>> ConsumeAsync(CancellationToken cancellationToken = default)
    {
        // Synchronous when a record is buffered; a sync-only deserializer never leaves this path.
        if (_settings.KeyAsync is null && _settings.ValueAsync is null && TryConsume(out var result))
        {
            return ValueTask.FromResult(result);
        }

        return ConsumeSlowAsync(cancellationToken);
    }

    private async ValueTask<ConsumeResult<TKey, TValue>> ConsumeSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = await TryConsumeAsync(cancellationToken).ConfigureAwait(false);
            if (next is not null)
            {
                return next;
            }

            await _fetcher.WaitForDataAsync(WaitSlice(Timeout.InfiniteTimeSpan), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public async IAsyncEnumerable<ConsumeResult<TKey, TValue>> ConsumeAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<TKey, TValue> result;
            try
            {
                result = await ConsumeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            yield return result;
        }
    }

    public IReadOnlyList<ConsumeResult<TKey, TValue>> ConsumeBatch(TimeSpan timeout, int? maxRecords = null)
    {
        var max = maxRecords ?? _settings.MaxPollRecords;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(maxRecords));
        var results = new List<ConsumeResult<TKey, TValue>>(Math.Min(max, 1024));
        var first = Consume(timeout);
        if (first is null)
        {
            return results;
        }

        results.Add(first);
        while (results.Count < max && TryConsume(out var next))
        {
            results.Add(next);
        }

        return results;
    }

    public int ConsumeRaw(RawRecordHandler handler, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfClosed();
        var deadline = Deadline(timeout);
        var count = 0;
        var max = _settings.MaxPollRecords;
        while (true)
        {
            while (count < max && TryNextRecord(out var record, out var eof))
            {
                if (eof is not null)
                {
                    continue;
                }

                handler(new RawRecord(_drainer.Current!.State.TopicPartition, record, ToTimestampType(_drainer.CurrentTimestampType)));
                count++;
            }

            var left = Remaining(deadline);
            if (count > 0 || left == TimeSpan.Zero)
            {
                return count;
            }

            _fetcher.WaitForDataAsync(WaitSlice(left), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>A result if one is at hand now, with sync deserializers (async ones are waited for).</summary>
    private bool TryConsume(out ConsumeResult<TKey, TValue> result)
    {
        while (TryNextRecord(out var record, out var eof))
        {
            if (eof is not null)
            {
                result = eof;
                return true;
            }

            // Synchronous by construction (async: false waits for async deserializers inside).
            var built = Build(record, _drainer.Current!, async: false);
            result = Intercept(built.IsCompleted ? built.Result : built.AsTask().GetAwaiter().GetResult());
            return true;
        }

        result = null!;
        return false;
    }

    private async ValueTask<ConsumeResult<TKey, TValue>?> TryConsumeAsync(CancellationToken cancellationToken)
    {
        if (!TryNextRecord(out var record, out var eof))
        {
            return null;
        }

        return eof ?? Intercept(await Build(record, _drainer.Current!, async: true, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The next record (or end-of-partition event) at hand, taking the next completed fetch when the
    /// current one runs out; false when nothing is buffered. Throws errors queued for the application.
    /// </summary>
    private bool TryNextRecord(out Record record, out ConsumeResult<TKey, TValue>? eof)
    {
        eof = null;

        // The hot path: the next record of the fetch being drained.
        if (_drainer.Current is { } draining && DrainNext(out record))
        {
            draining.State.EofReported = false;
            return true;
        }

        ThrowIfClosed();
        ServeBackgroundErrors();

        // Group duties (rejoin, lost partitions, auto commit) run between fetches, not per record.
        PollGroup();
        while (true)
        {
            if (_drainer.Current is { } current)
            {
                if (DrainNext(out record))
                {
                    current.State.EofReported = false;
                    return true;
                }

                _fetcher.Finished(_drainer.Stop()!);
                var state = current.State;
                if (_settings.Fetch.EnablePartitionEof && !state.EofReported && current.HighWatermark >= 0 && state.Position >= current.HighWatermark)
                {
                    state.EofReported = true;
                    eof = new ConsumeResult<TKey, TValue>
                    {
                        Topic = state.TopicPartition.Topic,
                        Partition = state.TopicPartition.Partition,
                        Offset = state.Position,
                        IsPartitionEOF = true,
                    };
                    return true;
                }
            }

            if (!_fetcher.TryTake(out var fetch, out var error))
            {
                record = default;
                return false;
            }

            if (error is not null)
            {
                throw error;
            }

            _drainer.Start(fetch!);
        }
    }

    /// <summary>The next record of the fetch being drained; a corrupt fetch is dropped (refetched next time) and its error thrown.</summary>
    private bool DrainNext(out Record record)
    {
        try
        {
            return _drainer.TryNext(out record);
        }
        catch (KafkaException)
        {
            _fetcher.Finished(_drainer.Stop()!);
            throw;
        }
    }

    private async ValueTask<ConsumeResult<TKey, TValue>> Build(Record record, CompletedFetch fetch, bool async, CancellationToken cancellationToken = default)
    {
        var tp = fetch.State.TopicPartition;
        var batch = _drainer.CurrentBatch;
        var headers = new Headers();
        foreach (var header in record.Headers)
        {
            headers.Add(header.KeyString, header.IsValueNull ? null : header.Value!.Value.ToArray());
        }

        var message = new Message<TKey, TValue>
        {
            Headers = headers,
            Timestamp = new Timestamp(record.Timestamp, ToTimestampType(batch.TimestampType)),
        };
        var result = new ConsumeResult<TKey, TValue>
        {
            Topic = tp.Topic,
            Partition = tp.Partition,
            Offset = record.Offset,
            LeaderEpoch = batch.PartitionLeaderEpoch >= 0 ? batch.PartitionLeaderEpoch : null,
            Message = message,
        };
        try
        {
            var keyContext = new SerializationContext(MessageComponentType.Key, tp.Topic, headers);
            message.Key = _settings.KeyAsync is { } asyncKey
                ? await Await(asyncKey.DeserializeAsync(CopyIfAsync(record.Key, async), record.IsKeyNull, keyContext, cancellationToken), async).ConfigureAwait(false)
                : _settings.Key!.Deserialize(record.KeySpan, record.IsKeyNull, keyContext);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw DeserializationFailed(record, tp, "Key", ex);
        }

        try
        {
            var valueContext = new SerializationContext(MessageComponentType.Value, tp.Topic, headers);
            message.Value = _settings.ValueAsync is { } asyncValue
                ? await Await(asyncValue.DeserializeAsync(CopyIfAsync(record.Value, async), record.IsValueNull, valueContext, cancellationToken), async).ConfigureAwait(false)
                : _settings.Value!.Deserialize(record.ValueSpan, record.IsValueNull, valueContext);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw DeserializationFailed(record, tp, "Value", ex);
        }

        return result;
    }

    /// <summary>An async deserializer may outlive the decode buffer only if it truly awaits; the copy keeps it safe.</summary>
    private static ReadOnlyMemory<byte> CopyIfAsync(ReadOnlyMemory<byte>? data, bool async)
        => data is not { } bytes ? ReadOnlyMemory<byte>.Empty : async ? bytes.ToArray() : bytes;

    private static async ValueTask<T> Await<T>(Task<T> task, bool async)
        => async ? await task.ConfigureAwait(false) : task.GetAwaiter().GetResult();

    private static ConsumeException DeserializationFailed(Record record, TopicPartition tp, string component, Exception ex)
    {
        var raw = new ConsumeResult<byte[]?, byte[]?>
        {
            Topic = tp.Topic,
            Partition = tp.Partition,
            Offset = record.Offset,
            Message = new Message<byte[]?, byte[]?>
            {
                Key = record.IsKeyNull ? null : record.KeySpan.ToArray(),
                Value = record.IsValueNull ? null : record.ValueSpan.ToArray(),
                Timestamp = new Timestamp(record.Timestamp, TimestampType.CreateTime),
            },
        };
        return new ConsumeException(
            raw,
            new Error(ErrorCode.InvalidRecord, $"{component} deserialization failed for the record at {tp} offset {record.Offset}: {ex.Message}"),
            ex);
    }

    private ConsumeResult<TKey, TValue> Intercept(ConsumeResult<TKey, TValue> result)
    {
        foreach (var interceptor in _settings.Interceptors)
        {
            try
            {
                result = interceptor.OnConsume(result) ?? result;
            }
            catch (Exception ex)
            {
                _settings.ErrorHandler?.Invoke(this, new Error(ErrorCode.UnknownServerError, $"Interceptor {interceptor.GetType().Name}.OnConsume failed: {ex.Message}"));
            }
        }

        return result;
    }

    private static TimestampType ToTimestampType(Protocol.RecordFormat.TimestampType type)
        => type == Protocol.RecordFormat.TimestampType.LogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    private static long Deadline(TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds);

    private static TimeSpan Remaining(long deadline)
        => deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
}
