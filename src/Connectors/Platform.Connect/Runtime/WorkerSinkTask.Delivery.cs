using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Errors;

namespace Platform.Connect.Runtime;

internal sealed partial class WorkerSinkTask
{
    // The batch waiting for its redelivery after a retriable failure of put (null: none), with its consumed records.
    private List<SinkRecord>? _redelivery;
    private List<ConsumeResult<byte[]?, byte[]?>> _redeliveryRaw = [];
    private long _redeliverAt;
    private long _deliveryStarted;
    private DateTime _firstFailure;
    private int _failures;

    /// <summary>Converts and transforms a consumed batch and puts it (see <see cref="PutAsync"/>).</summary>
    private async Task DeliverAsync(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, CancellationToken cancellationToken)
    {
        _deliveryStarted = Stopwatch.GetTimestamp();
        Services.Metrics.SinkRecordsRead.Add(batch.Count, _tags);
        _batchRaw = batch;
        var records = new List<SinkRecord>(batch.Count);
        foreach (var raw in batch)
        {
            // Synchronous per record; only a failing record takes the async error path (tolerance, dead letter).
            if (TryConvert(raw, out var record, out var failure))
            {
                if (record is not null)
                {
                    records.Add(record);
                }
            }
            else if (!await Errors.TolerateAsync(failure.Stage, failure.Error, RawContext(raw, failure.Executing), cancellationToken).ConfigureAwait(false))
            {
                failure.Rethrow();
            }
        }

        _redelivery = records;
        _redeliveryRaw = [.. batch];
        _timeout = null;
        _failures = 0;
        await PutAsync(consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts the pending batch. On success its offsets advance; on a retriable failure the partitions are paused and
    /// the batch is kept for another attempt after the backoff (the task's <see cref="ISinkTaskContext.Timeout"/> or
    /// the runtime's), the main loop polling meanwhile. Retries end after <c>errors.retry.timeout</c> with the task FAILED.
    /// </summary>
    private async Task PutAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        var records = _redelivery!;
        if (records.Count > 0)
        {
            try
            {
                await _task.PutAsync(records, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ErrorHandler.IsRetriable(e) && !cancellationToken.IsCancellationRequested)
            {
                if (_failures++ == 0)
                {
                    _firstFailure = DateTime.UtcNow;
                    consumer.Pause(consumer.Assignment);
                }

                var delay = Errors.NextRetryDelay(ErrorStage.TaskPut, e, _firstFailure, _failures, _timeout);
                _timeout = null;
                _redeliverAt = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
                return;
            }

            Services.Metrics.SinkRecordsPut.Add(records.Count, _tags);
        }

        foreach (var raw in _redeliveryRaw)
        {
            _currentOffsets[new TopicPartitionRef(raw.Topic, raw.Partition)] = raw.Offset.Value + 1;
        }

        var resume = _failures > 0;
        _redelivery = null;
        _redeliveryRaw = [];
        _failures = 0;
        _batchRaw = [];
        if (resume && !IsPaused)
        {
            ResumeUnlessPausedByTask(consumer);
        }

        Services.Metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(_deliveryStarted).TotalMilliseconds, _tags);
    }

    /// <summary>How long a poll may wait: not past the pending redelivery.</summary>
    private TimeSpan PollTimeout()
    {
        var poll = TimeSpan.FromMilliseconds(200);
        if (_redelivery is null)
        {
            return poll;
        }

        var until = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _redeliverAt);
        return until < TimeSpan.Zero ? TimeSpan.Zero : until < poll ? until : poll;
    }

    /// <summary>Seeks the partitions of records fetched while a batch waits back to them, and pauses those partitions.</summary>
    private static void Rewind(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var firsts = batch.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Min(r => r.Offset.Value))).ToList();
        foreach (var first in firsts)
        {
            consumer.Seek(first);
        }

        consumer.Pause(firsts.Select(f => f.TopicPartition));
    }

    /// <summary>Revoked partitions go to another task, with their records: the pending batch keeps only the others.</summary>
    private void DropRevokedFromRedelivery(IReadOnlyCollection<TopicPartitionRef> revoked)
    {
        if (_redelivery is null)
        {
            return;
        }

        _redelivery.RemoveAll(r => revoked.Contains(new TopicPartitionRef(r.OriginalTopic, r.OriginalKafkaPartition)));
        _redeliveryRaw.RemoveAll(r => revoked.Contains(new TopicPartitionRef(r.Topic, r.Partition)));
        if (_redeliveryRaw.Count == 0)
        {
            // Nothing left to redeliver: the remaining partitions (none under eager rebalancing) resume with the next control pass.
            _redelivery = null;
            _failures = 0;
            _control.Enqueue(c =>
            {
                if (_redelivery is null && !IsPaused)
                {
                    ResumeUnlessPausedByTask(c);
                }
            });
        }
    }

    /// <summary>The record as the task sees it (null when a transformation dropped it); false with the failing stage when a step threw.</summary>
    private bool TryConvert(ConsumeResult<byte[]?, byte[]?> raw, out SinkRecord? record, out ConversionFailure failure)
    {
        var message = raw.Message!;
        var stage = ErrorStage.KeyConverter;
        var executing = _converters.Key.GetType().FullName;
        try
        {
            var key = _converters.Key.ToConnectData(raw.Topic, message.Key, message.Key is null);
            stage = ErrorStage.ValueConverter;
            executing = _converters.Value.GetType().FullName;
            var value = _converters.Value.ToConnectData(raw.Topic, message.Value, message.Value is null);
            stage = ErrorStage.HeaderConverter;
            executing = _converters.Header.GetType().FullName;
            var headers = RecordConversion.ToConnectHeaders(raw.Topic, message.Headers, _converters);
            var timestamp = message.Timestamp.UnixTimestampMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp.UnixTimestampMs) : (DateTimeOffset?)null;
            var converted = new SinkRecord(raw.Topic, raw.Partition, key.Schema, key.Value, value.Schema, value.Value, raw.Offset.Value, timestamp, headers);
            stage = ErrorStage.Transformation;
            executing = typeof(Transforms.TransformationChain).FullName;
            record = (SinkRecord?)_chain.Apply(converted);
            failure = default;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            record = null;
            failure = new ConversionFailure(stage, executing, ExceptionDispatchInfo.Capture(e));
            return false;
        }
    }

    /// <summary>
    /// The consumed record <paramref name="record"/> came from, for the dead-letter context of a record the task reports.
    /// A search of the batch, not an index built per batch: reports are rare, batches are every record.
    /// </summary>
    private ConsumeResult<byte[]?, byte[]?>? FindRaw(SinkRecord record)
    {
        foreach (var raw in _batchRaw)
        {
            if (raw.Offset.Value == record.OriginalKafkaOffset && raw.Partition == record.OriginalKafkaPartition
                && string.Equals(raw.Topic, record.OriginalTopic, StringComparison.Ordinal))
            {
                return raw;
            }
        }

        return null;
    }

    private static DeadLetterContext RawContext(ConsumeResult<byte[]?, byte[]?> raw, string? executing)
        => new(raw.Topic, raw.Partition, raw.Offset.Value, raw.Message?.Key, raw.Message?.Value,
            raw.Message?.Headers?.Select(h => new KeyValuePair<string, byte[]?>(h.Key, h.GetValueBytes())).ToList() ?? [], executing);

    /// <summary>Where converting a record failed: the stage, the class at work and the error, rethrown as it was when not tolerated.</summary>
    private readonly record struct ConversionFailure(ErrorStage Stage, string? Executing, ExceptionDispatchInfo Info)
    {
        public Exception Error => Info.SourceException;

        public void Rethrow() => Info.Throw();
    }
}
