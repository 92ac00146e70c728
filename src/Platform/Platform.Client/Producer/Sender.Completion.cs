using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

internal sealed partial class Sender
{
    private void ProcessCompletions(long now)
    {
        Interlocked.Exchange(ref _finished, 0);
        foreach (var node in _nodes.Values)
        {
            while (node.Requests.TryPeek(out var head) && head.IsDone)
            {
                ProcessCompletion(node.Requests.Dequeue(), now);
            }
        }
    }

    private void ProcessCompletion(Completion completion, long now)
    {
        {
            completion.Node.InFlight--;
            _inFlightRequests--;
            if (completion.Failure is not null)
            {
                // The connection is gone or stuck: find out whether the leader moved.
                _metadata.RequestUpdate();
            }

            foreach (var batch in completion.Batches)
            {
                batch.Queue.InFlight--;
                if (completion.Failure is { } failure)
                {
                    HandleError(batch, failure.Error, now);
                }
                else if (completion.Response is null)
                {
                    // acks=0: written to the socket, nothing more will be known.
                    Complete(batch, -1, -1, null, PersistenceStatus.PossiblyPersisted);
                }
                else if (Find(completion.Response, batch) is not { } partition)
                {
                    HandleError(batch, new Error(ErrorCode.UnknownServerError, $"The broker's answer did not mention {batch.Queue.Topic}-{batch.Queue.Partition}."), now);
                }
                else
                {
                    var code = (ErrorCode)partition.ErrorCode;
                    if (code is ErrorCode.None or ErrorCode.DuplicateSequenceNumber)
                    {
                        batch.Queue.SequenceConfirmed = true;
                        Complete(batch, partition.BaseOffset, partition.LogAppendTimeMs, null, PersistenceStatus.Persisted);
                    }
                    else if (code == ErrorCode.MessageTooLarge && batch.Count > 1 && !_forceClose)
                    {
                        // Larger than the topic's max.message.bytes: smaller batches may pass; only a lone record fails.
                        _accumulator.SplitAndReenqueue(batch);
                    }
                    else
                    {
                        HandleError(batch, new Error(code, Describe(code, partition.ErrorMessage, batch)), now);
                    }
                }
            }
        }
    }

    private static string Describe(ErrorCode code, string? brokerMessage, ProducerBatch batch)
        => $"Producing to {batch.Queue.Topic}-{batch.Queue.Partition} failed: {code.ToKafkaName()}"
            + (string.IsNullOrEmpty(brokerMessage) ? "." : $" ({brokerMessage}).");

    private static ProduceResponse.PartitionProduceResponse? Find(ProduceResponse response, ProducerBatch batch)
    {
        foreach (var topic in response.Responses)
        {
            if (topic.Name != batch.Queue.Topic)
            {
                continue;
            }

            foreach (var partition in topic.PartitionResponses)
            {
                if (partition.Index == batch.Queue.Partition)
                {
                    return partition;
                }
            }
        }

        return null;
    }

    /// <summary>Retries a retriable error (after the backoff, in creation order) while retries and time remain; else fails the batch.</summary>
    private void HandleError(ProducerBatch batch, Error error, long now)
    {
        var sequenceError = error.Code is ErrorCode.OutOfOrderSequenceNumber or ErrorCode.UnknownProducerId;

        // Inside a transaction the epoch cannot change: a sequence error makes the transaction abortable,
        // unless an older batch of the partition is still unacknowledged (in flight, or put back after a
        // retriable error or a split): then the gap is that batch's, and this one just goes again after it.
        var retriable = error.IsRetriable
            || (_settings.EnableIdempotence && sequenceError && (_transactions is null || !IsOldestUnacknowledged(batch)));
        if (retriable && !_forceClose && batch.Attempts < _settings.Retries && now < batch.DeadlineTicks)
        {
            _metadata.RequestUpdate();
            if (sequenceError && IsOldestUnacknowledged(batch))
            {
                // The broker lost or rejected our sequence state at the very batch it expects: start a new epoch.
                _bumpEpoch = true;
            }

            batch.Attempts++;
            batch.RetryAtTicks = now + _settings.RetryBackoffMs;
            batch.Queue.Reenqueue(batch);
            return;
        }

        var reason = retriable
            ? $"{error.Reason} Gave up after {batch.Attempts + 1} attempt(s) ({(now >= batch.DeadlineTicks ? "delivery.timeout.ms" : "retries")} {(now >= batch.DeadlineTicks ? _settings.DeliveryTimeoutMs : _settings.Retries)})."
            : error.Reason;
        var status = error.Code is ErrorCode.NetworkException or ErrorCode.RequestTimedOut
            ? PersistenceStatus.PossiblyPersisted
            : PersistenceStatus.NotPersisted;
        if (_settings.EnableIdempotence && batch.BaseSequence >= 0)
        {
            // Later batches of the partition carry sequences after a gap now.
            if (_transactions is not null)
            {
                _transactions.EpochBumpNeeded = true;
            }
            else
            {
                _bumpEpoch = true;
            }
        }

        _transactions?.Fail(new Error(error.Code, reason));
        Complete(batch, -1, -1, new Error(error.Code, reason), status);
    }

    private void Complete(ProducerBatch batch, long baseOffset, long logAppendTime, Error? error, PersistenceStatus status)
    {
        try
        {
            _sink.Deliver(batch, baseOffset, logAppendTime, error, status);
        }
        catch (Exception ex)
        {
            _onError(new Error(ErrorCode.UnknownServerError, $"A delivery handler threw: {ex.Message}"));
        }

        _accumulator.Release(batch);
        _onReleased();
    }

    /// <summary>Fails queued batches older than <c>delivery.timeout.ms</c>.</summary>
    private void Expire(long now)
    {
        foreach (var queue in _accumulator.Queues)
        {
            List<ProducerBatch>? expired = null;
            lock (queue.Lock)
            {
                while (queue.Batches.Count > 0 && queue.Batches[0].DeadlineTicks <= now)
                {
                    (expired ??= []).Add(queue.Batches[0]);
                    queue.Batches[0].MarkDrained();
                    queue.Batches.RemoveAt(0);
                }
            }

            if (expired is null)
            {
                continue;
            }

            foreach (var batch in expired)
            {
                var error = new Error(
                    ErrorCode.RequestTimedOut,
                    $"Expiring {batch.Count} record(s) for {queue.Topic}-{queue.Partition}: {now - batch.CreatedTicks} ms has passed since batch creation "
                    + $"(delivery.timeout.ms {_settings.DeliveryTimeoutMs}); "
                    + (_metadata.LastError is { } metadataError ? $"last metadata error: {metadataError.Message}" : "the partition's leader could not be reached."));
                Complete(batch, -1, -1, error, batch.Attempts > 0 ? PersistenceStatus.PossiblyPersisted : PersistenceStatus.NotPersisted);
            }
        }
    }

    /// <summary>Fails every batch not in flight with <paramref name="error"/>.</summary>
    private void FailQueued(Error error)
    {
        foreach (var queue in _accumulator.Queues)
        {
            List<ProducerBatch> failed;
            lock (queue.Lock)
            {
                if (queue.Batches.Count == 0)
                {
                    continue;
                }

                failed = [.. queue.Batches];
                foreach (var batch in failed)
                {
                    batch.MarkDrained();
                }

                queue.Batches.Clear();
            }

            foreach (var batch in failed)
            {
                if (_transactions is not null && batch.BaseSequence >= 0)
                {
                    _transactions.EpochBumpNeeded = true;
                }

                Complete(batch, -1, -1, error, batch.Attempts > 0 ? PersistenceStatus.PossiblyPersisted : PersistenceStatus.NotPersisted);
            }
        }
    }
}
