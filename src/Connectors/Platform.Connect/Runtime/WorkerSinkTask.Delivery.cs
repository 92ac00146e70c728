using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Data;
using Platform.Connect.Errors;

namespace Platform.Connect.Runtime;

/// <summary>
/// The delivery pipeline: while the task puts one batch on another thread, the next batch is read from the consumer,
/// converted and given to <see cref="SinkTask.Prepare"/> on the task's own thread, so reading, the converters' and the
/// task's CPU work overlap the task's writes. Puts stay one at a time and in order, and a batch's offsets advance only
/// once its put returned, so what <see cref="SinkTask.PreCommitAsync"/> sees is unchanged. A rebalance callback during
/// that read first waits for the put in flight and completes it: the task never opens or closes partitions during a
/// put, and a revoked partition's commit includes the batch just put.
/// </summary>
internal sealed partial class WorkerSinkTask
{
    // The batch waiting to be put (null: none), converted, with its consumed records; _failures > 0 while it waits for a retry.
    private List<SinkRecord>? _pending;
    private ConsumedBatch _pendingRaw = new();
    private ConsumedBatch _nextRaw = new();
    private readonly ConsumedBatch _rewind = new();
    private RawRecordHandler? _collectNext;
    private RawRecordHandler? _collectRewind;

    // The JSON converters whose objects keep their documents for the task (null: decoded at once; SinkTask.ReadsJsonDocuments),
    // and whether those documents are checked after the task's Prepare, not as converted: only without transformations,
    // which read values before the task does.
    private (Converters.JsonConverter? Key, Converters.JsonConverter? Value) _jsonDocuments;
    private bool _checkDocumentsAfterPrepare;
    private long _redeliverAt;
    private long _pendingStarted;
    private DateTime _firstFailure;
    private int _failures;

    // The put in flight while the next batch is read (null: none), its retriable failure as its result; and how the last
    // put a rebalance callback completed ended.
    private Task<Exception?>? _putting;
    private bool _putByCallback;

    /// <summary>One poll and delivery step of the main loop.</summary>
    private async Task PollAndDeliverAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
    {
        _collectNext ??= r => _nextRaw.Add(r, r.Headers.Count > 0 ? r.Headers.ToArray() : null);
        _collectRewind ??= r => _rewind.Add(r, null);
        if (_pending is not null && _failures > 0)
        {
            if (Stopwatch.GetTimestamp() >= _redeliverAt)
            {
                await PutPendingAsync(consumer, cancellationToken).ConfigureAwait(false);
            }

            if (_failures > 0)
            {
                // The partitions are paused: polling only keeps the membership; anything fetched from partitions
                // assigned meanwhile is read again after the batch.
                _rewind.Clear();
                if (consumer.ConsumeRaw(_collectRewind, PollTimeout()) > 0)
                {
                    Rewind(consumer, _rewind);
                }
                else
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
        }

        if (_pending is null)
        {
            // Waits for records only when nothing is pending.
            _nextRaw.Clear();
            if (Read(consumer, PollTimeout()) == 0)
            {
                if (IsPaused)
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            await StageAsync(Convert(_nextRaw), cancellationToken).ConfigureAwait(false);
            return;
        }

        // The pending batch goes to the task on another thread while the next one, whatever is at hand, is read and converted here.
        var records = _pending;
        _putting = Task.Run(() => TryPutAsync(records, cancellationToken), CancellationToken.None);
        Converted? converted = null;
        try
        {
            _nextRaw.Clear();
            if (Read(consumer, TimeSpan.Zero) > 0)
            {
                converted = Convert(_nextRaw);
            }
        }
        catch
        {
            // The put's own outcome no longer matters: the task fails with this.
            if (Interlocked.Exchange(ref _putting, null) is { } abandoned)
            {
                await ((Task)abandoned).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            throw;
        }

        // A rebalance callback during the read may have completed the put already.
        var put = Interlocked.Exchange(ref _putting, null) is { } putting
            ? FinishPut(consumer, await putting.ConfigureAwait(false), inCallback: false)
            : _putByCallback;
        if (converted is null)
        {
            return;
        }

        if (!put)
        {
            // The pending batch waits for a retry: the next one is read again after it.
            Rewind(consumer, _nextRaw);
            return;
        }

        await StageAsync(converted, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads what the consumer has into <see cref="_nextRaw"/>, waiting up to <paramref name="timeout"/> for it; returns the count.</summary>
    private int Read(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        var polled = consumer.ConsumeRaw(_collectNext!, timeout);
        if (polled > 0)
        {
            Services.Metrics.SinkRecordsRead.Add(polled, _tags);
        }

        return _nextRaw.Count;
    }

    /// <summary>Makes the converted <see cref="_nextRaw"/> the pending batch, after dead-lettering (or failing on) the records that did not convert.</summary>
    private async Task StageAsync(Converted converted, CancellationToken cancellationToken)
    {
        foreach (var (index, failure) in converted.Failures)
        {
            if (!await Errors.TolerateAsync(failure.Stage, failure.Error, _nextRaw.Context(index, failure.Executing), cancellationToken).ConfigureAwait(false))
            {
                failure.Rethrow();
            }
        }

        (_pendingRaw, _nextRaw) = (_nextRaw, _pendingRaw);
        _pending = converted.Records;
        _pendingStarted = converted.Started;
        _timeout = null;
        _failures = 0;
    }

    /// <summary>
    /// Puts the pending batch. On success its offsets advance and true is returned; on a retriable failure the
    /// partitions are paused and the batch is kept for another attempt after the backoff (the task's
    /// <see cref="ISinkTaskContext.Timeout"/> or the runtime's), the main loop polling meanwhile. Retries end after
    /// <c>errors.retry.timeout</c> with the task FAILED.
    /// </summary>
    private async Task<bool> PutPendingAsync(IConsumer<byte[]?, byte[]?> consumer, CancellationToken cancellationToken)
        => FinishPut(consumer, await TryPutAsync(_pending!, cancellationToken).ConfigureAwait(false), inCallback: false);

    /// <summary>Puts <paramref name="records"/>; returns a retriable failure (null: put), throws anything else.</summary>
    private async Task<Exception?> TryPutAsync(List<SinkRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return null;
        }

        try
        {
            await _task.PutAsync(records, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (ErrorHandler.IsRetriable(e) && !cancellationToken.IsCancellationRequested)
        {
            return e;
        }
    }

    /// <summary>
    /// After the pending batch's put, on the task's thread: on success its offsets advance and true is returned; after a
    /// retriable <paramref name="failure"/> the partitions are paused (from the next loop turn when
    /// <paramref name="inCallback"/>: a rebalance callback does not pause its consumer) and the batch waits for its retry.
    /// </summary>
    private bool FinishPut(IConsumer<byte[]?, byte[]?> consumer, Exception? failure, bool inCallback)
    {
        var records = _pending!;
        if (failure is not null)
        {
            if (_failures++ == 0)
            {
                _firstFailure = DateTime.UtcNow;
                if (inCallback)
                {
                    _control.Enqueue(static c => c.Pause(c.Assignment));
                }
                else
                {
                    consumer.Pause(consumer.Assignment);
                }
            }

            var delay = Errors.NextRetryDelay(ErrorStage.TaskPut, failure, _firstFailure, _failures, _timeout);
            _timeout = null;
            _redeliverAt = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
            return false;
        }

        if (records.Count > 0)
        {
            Services.Metrics.SinkRecordsPut.Add(records.Count, _tags);
        }

        _pendingRaw.AdvanceInto(_currentOffsets);
        var resume = _failures > 0;
        _pending = null;
        _pendingRaw.Clear();
        _failures = 0;
        if (resume && !IsPaused)
        {
            ResumeUnlessPausedByTask(consumer);
        }

        Services.Metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(_pendingStarted).TotalMilliseconds, _tags);
        return true;
    }

    /// <summary>
    /// In a rebalance callback: waits for the put in flight, if any, and completes it, so the task opens or closes
    /// partitions only between puts and the batch's offsets advance before a revoked partition's commit.
    /// </summary>
    private void CompletePutInFlight(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (Interlocked.Exchange(ref _putting, null) is { } putting)
        {
            _putByCallback = FinishPut(consumer, putting.GetAwaiter().GetResult(), inCallback: true);
        }
    }

    /// <summary>How long a poll may wait: not past the pending redelivery.</summary>
    private TimeSpan PollTimeout()
    {
        var poll = TimeSpan.FromMilliseconds(200);
        if (_pending is null || _failures == 0)
        {
            return poll;
        }

        var until = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _redeliverAt);
        return until < TimeSpan.Zero ? TimeSpan.Zero : until < poll ? until : poll;
    }

    /// <summary>Seeks the partitions of <paramref name="batch"/> back to its first records, and pauses them.</summary>
    private static void Rewind(IConsumer<byte[]?, byte[]?> consumer, ConsumedBatch batch)
    {
        var firsts = batch.Firsts();
        foreach (var first in firsts)
        {
            consumer.Seek(first);
        }

        consumer.Pause(firsts.Select(f => f.TopicPartition));
        batch.Clear();
    }

    /// <summary>
    /// Revoked partitions go to another task, with their records: the pending batch and the one being read keep only
    /// the others.
    /// </summary>
    private void DropRevoked(IReadOnlyCollection<TopicPartitionRef> revoked)
    {
        _nextRaw.Remove(revoked);
        if (_pending is null)
        {
            return;
        }

        // A new list, not the prepared one changed in place: the task may have prepared the old one (SinkTask.Prepare).
        _pending = _pending.FindAll(r => !revoked.Contains(new TopicPartitionRef(r.OriginalTopic, r.OriginalKafkaPartition)));
        _pendingRaw.Remove(revoked);
        if (_pendingRaw.Count == 0)
        {
            // Nothing left to put: the remaining partitions (none under eager rebalancing) resume with the next control pass.
            var waited = _failures > 0;
            _pending = null;
            _failures = 0;
            if (waited)
            {
                _control.Enqueue(c =>
                {
                    if (_pending is null && !IsPaused)
                    {
                        ResumeUnlessPausedByTask(c);
                    }
                });
            }
        }
    }

    /// <summary>The records of <paramref name="batch"/> as the task sees them, and those whose conversion failed; run off the task's thread.</summary>
    private Converted Convert(ConsumedBatch batch)
    {
        var started = Stopwatch.GetTimestamp();
        var records = new List<SinkRecord>(batch.Count);
        var deferred = _checkDocumentsAfterPrepare ? new List<int>(batch.Count) : null;
        List<(int, ConversionFailure)>? failures = null;
        for (var i = 0; i < batch.Count; i++)
        {
            // Synchronous per record; a failing record is only noted here, its dead letter is written on the task's thread.
            if (TryConvert(batch, i, out var record, out var failure))
            {
                if (record is not null)
                {
                    records.Add(record);
                    deferred?.Add(i);
                }
            }
            else
            {
                (failures ??= []).Add((i, failure));
            }
        }

        // Still off the task's thread (for every batch but one found with nothing pending): the task's own work on the
        // batch overlaps the previous put too.
        if (records.Count > 0)
        {
            try
            {
                _task.Prepare(records);
            }
            catch (Exception e) when (deferred is not null && e is not OperationCanceledException)
            {
                // A document not checked yet may be what Prepare stumbled on: then its check fails below, as the
                // converter's would have; otherwise the task's error stands.
                var before = failures?.Count ?? 0;
                records = CheckDeferred(records, deferred, ref failures);
                if ((failures?.Count ?? 0) == before)
                {
                    throw;
                }

                deferred = null;
            }
        }

        if (deferred is not null)
        {
            records = CheckDeferred(records, deferred, ref failures);
        }

        failures?.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new Converted(records, failures ?? [], started);
    }

    /// <summary>
    /// Checks the JSON documents the converters left unchecked and the task did not check as it prepared them
    /// (<see cref="Data.IJsonObjectSource"/>); records whose document is bad fail at their converter's stage and leave the
    /// batch (a new list: the prepared one does not hold for it). <paramref name="indexes"/>: each record's place in the consumed batch.
    /// </summary>
    private List<SinkRecord> CheckDeferred(List<SinkRecord> records, List<int> indexes, ref List<(int, ConversionFailure)>? failures)
    {
        List<SinkRecord>? kept = null;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (CheckDocuments(record.Topic, record.Key, record.Value) is { } failure)
            {
                (failures ??= []).Add((indexes[i], failure));
                kept ??= records.GetRange(0, i);
            }
            else
            {
                kept?.Add(record);
            }
        }

        return kept ?? records;
    }

    /// <summary>How the first of <paramref name="key"/> and <paramref name="value"/> whose unchecked JSON document is bad fails its converter (null: neither is).</summary>
    private ConversionFailure? CheckDocuments(string topic, object? key, object? value)
    {
        var stage = ErrorStage.KeyConverter;
        try
        {
            Converters.JsonConverter.Check(topic, key);
            stage = ErrorStage.ValueConverter;
            Converters.JsonConverter.Check(topic, value);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var converter = stage == ErrorStage.KeyConverter ? _converters.Key : _converters.Value;
            return new ConversionFailure(stage, converter.GetType().FullName, ExceptionDispatchInfo.Capture(e));
        }
    }

    /// <summary>The record as the task sees it (null when a transformation dropped it); false with the failing stage when a step threw.</summary>
    private bool TryConvert(ConsumedBatch batch, int index, out SinkRecord? record, out ConversionFailure failure)
    {
        var (topic, _, _) = batch.Position(index);
        var stage = ErrorStage.KeyConverter;
        SchemaAndValue key = default, value = default;
        try
        {
            // Documents kept for the task are the batch's own bytes, lent until the batch is cleared.
            bool keyIsNull, valueIsNull;
            if (_jsonDocuments.Key is { } jsonKey)
            {
                key = jsonKey.ToConnectDataBorrowingDocument(topic, batch.KeyMemory(index, out keyIsNull), keyIsNull, check: !_checkDocumentsAfterPrepare, batch.SpareMap);
                batch.Lend(key.Value);
            }
            else
            {
                key = _converters.Key.ToConnectData(topic, batch.Key(index, out keyIsNull), keyIsNull);
            }

            stage = ErrorStage.ValueConverter;
            if (_jsonDocuments.Value is { } jsonValue)
            {
                value = jsonValue.ToConnectDataBorrowingDocument(topic, batch.ValueMemory(index, out valueIsNull), valueIsNull, check: !_checkDocumentsAfterPrepare, batch.SpareMap);
                batch.Lend(value.Value);
            }
            else
            {
                value = _converters.Value.ToConnectData(topic, batch.Value(index, out valueIsNull), valueIsNull);
            }

            stage = ErrorStage.HeaderConverter;
            var (ms, rawHeaders) = batch.Meta(index);
            var headers = RecordConversion.ToConnectHeaders(topic, rawHeaders, _converters);
            var timestamp = ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
            var converted = batch.Record(index, key, value, timestamp, headers);
            stage = ErrorStage.Transformation;
            record = (SinkRecord?)_chain.Apply(converted);
            failure = default;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Key and value come first: a bad document left unchecked fails as it would have when converted.
            record = null;
            var executing = stage switch
            {
                ErrorStage.KeyConverter => _converters.Key.GetType().FullName,
                ErrorStage.ValueConverter => _converters.Value.GetType().FullName,
                ErrorStage.HeaderConverter => _converters.Header.GetType().FullName,
                _ => typeof(Transforms.TransformationChain).FullName,
            };
            failure = (stage == ErrorStage.HeaderConverter ? CheckDocuments(topic, key.Value, value.Value) : null)
                ?? new ConversionFailure(stage, executing, ExceptionDispatchInfo.Capture(e));
            return false;
        }
    }

    /// <summary>A converted batch: the records for the task, the indexes that failed, when converting began.</summary>
    private sealed record Converted(List<SinkRecord> Records, List<(int Index, ConversionFailure Failure)> Failures, long Started);

    /// <summary>Where converting a record failed: the stage, the class at work and the error, rethrown as it was when not tolerated.</summary>
    private readonly record struct ConversionFailure(ErrorStage Stage, string? Executing, ExceptionDispatchInfo Info)
    {
        public Exception Error => Info.SourceException;

        public void Rethrow() => Info.Throw();
    }
}
