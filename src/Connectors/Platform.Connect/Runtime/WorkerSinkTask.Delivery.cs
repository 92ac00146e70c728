using System.Diagnostics;
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
            if (await ConvertAsync(raw, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
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

    /// <summary>The record as the task sees it; null when a transformation dropped it or its error was tolerated.</summary>
    private async Task<SinkRecord?> ConvertAsync(ConsumeResult<byte[]?, byte[]?> raw, CancellationToken cancellationToken)
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
            var record = new SinkRecord(raw.Topic, raw.Partition, key.Schema, key.Value, value.Schema, value.Value, raw.Offset.Value, timestamp, headers);
            stage = ErrorStage.Transformation;
            executing = typeof(Transforms.TransformationChain).FullName;
            return (SinkRecord?)_chain.Apply(record);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!await Errors.TolerateAsync(stage, e, RawContext(raw, executing), cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return null;
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
}
