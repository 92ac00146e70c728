using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Errors;

namespace Platform.Connect.Runtime;

internal sealed partial class WorkerSinkTask
{
    /// <summary>Converts and transforms a consumed batch and puts it, retrying a <see cref="RetriableException"/> with the same batch.</summary>
    private async Task DeliverAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
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

        if (records.Count > 0)
        {
            _timeout = null;
            await Errors.RetryAsync(ErrorStage.TaskPut, async ct =>
            {
                try
                {
                    await _task.PutAsync(records, ct).ConfigureAwait(false);
                    return true;
                }
                catch (RetriableException) when (_timeout is { } wait)
                {
                    // The task asked for its own backoff before the redelivery.
                    _timeout = null;
                    await Task.Delay(wait, ct).ConfigureAwait(false);
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
            Services.Metrics.SinkRecordsPut.Add(records.Count, _tags);
        }

        foreach (var raw in batch)
        {
            _currentOffsets[new TopicPartitionRef(raw.Topic, raw.Partition)] = raw.Offset.Value + 1;
        }

        _batchRaw = [];
        Services.Metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tags);
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
