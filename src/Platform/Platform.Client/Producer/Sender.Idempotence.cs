using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Producer;

/// <summary>
/// The client side of idempotence: a producer id and epoch from InitProducerId before the first
/// batch, a sequence number per partition given to each batch when first drained (kept across its
/// retries), and an epoch bump (InitProducerId with the current id and epoch, KIP-360) that
/// renumbers the queued batches from 0 when the broker lost our sequence state or a batch failed for good.
/// </summary>
internal sealed partial class Sender
{
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private bool _bumpEpoch;
    private Task<InitProducerIdResponse>? _initProducerId;
    private long _initRetryAtTicks;

    private bool IsOldestUnacknowledged(ProducerBatch batch)
    {
        var queue = batch.Queue;
        if (queue.InFlight > 0)
        {
            return false;
        }

        lock (queue.Lock)
        {
            foreach (var queued in queue.Batches)
            {
                if (queued.BaseSequence >= 0 && queued.BaseSequence < batch.BaseSequence)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>True when batches may be drained: the producer id is known and no epoch bump is pending.</summary>
    private bool EnsureProducerId(long now, ref long nextWake)
    {
        if (_producerId >= 0 && !_bumpEpoch)
        {
            return true;
        }

        if (_bumpEpoch && _inFlightRequests > 0)
        {
            // Renumbering waits until nothing numbered the old way is still in flight.
            return false;
        }

        if (_initProducerId is null)
        {
            if (now < _initRetryAtTicks)
            {
                nextWake = Math.Min(nextWake, _initRetryAtTicks);
                return false;
            }

            _initProducerId = InitProducerIdAsync();
            WakeOnCompletion(_initProducerId);
            return false;
        }

        if (!_initProducerId.IsCompleted)
        {
            return false;
        }

        var done = _initProducerId;
        _initProducerId = null;
        _initRetryAtTicks = now + _settings.RetryBackoffMs;
        var error = done.IsCompletedSuccessfully
            ? Error.FromWire(done.Result.ErrorCode)
            : (done.Exception?.InnerException as KafkaException)?.Error ?? new Error(ErrorCode.UnknownServerError, done.Exception?.InnerException?.Message);
        if (!error.IsError)
        {
            var renumber = _bumpEpoch || _producerId >= 0;
            _producerId = done.Result.ProducerId;
            _producerEpoch = done.Result.ProducerEpoch;
            _bumpEpoch = false;
            if (renumber)
            {
                ResetSequences();
            }

            return true;
        }

        if (!error.IsRetriable)
        {
            // Nothing can be sent without a producer id: fail what waits rather than let it hang.
            var fatal = new Error(error.Code, $"enable.idempotence=true but the producer could not get a producer id: {error.Reason}");
            _onError(fatal);
            FailQueued(fatal);
        }

        nextWake = Math.Min(nextWake, _initRetryAtTicks);
        return false;
    }

    private async Task<InitProducerIdResponse> InitProducerIdAsync()
    {
        var connection = await _metadata.GetLeastLoadedConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        if (!connection.ApiVersions.Supports(ApiKey.InitProducerId))
        {
            throw new KafkaException(new Error(ErrorCode.UnsupportedVersion, $"Broker {connection.Address} does not serve InitProducerId; set enable.idempotence=false."));
        }

        var version = connection.ApiVersions.Select(ApiKey.InitProducerId);
        var request = new InitProducerIdRequest
        {
            TransactionalId = null,
            TransactionTimeoutMs = _settings.TransactionTimeoutMs,
            ProducerId = version >= 3 ? _producerId : -1,
            ProducerEpoch = version >= 3 ? _producerEpoch : (short)-1,
        };
        return await connection.SendAsync<InitProducerIdResponse>(request, version, CancellationToken.None).ConfigureAwait(false);
    }

    private void ResetSequences()
    {
        foreach (var queue in _accumulator.Queues)
        {
            queue.NextProducerSequence = 0;
            queue.SequenceConfirmed = false;
            lock (queue.Lock)
            {
                foreach (var batch in queue.Batches)
                {
                    batch.Unbuild();
                }
            }
        }
    }
}
