using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>
/// Ends transactions: Prepare*, the markers on every partition of the transaction, then Complete*, each
/// step once the one before is durable; fences a producer whose transaction timed out (an epoch bump and
/// an abort); completes in the background what a previous coordinator left between Prepare* and Complete*;
/// and removes ids idle past transactional.id.expiration.ms. Every change runs on an id claimed with
/// <see cref="TransactionMetadata.TryClaim"/>.
/// </summary>
internal sealed class TransactionCompletion(TransactionStateCache cache, TransactionMarkerSender markers, ProducerIdManager producerIds, BrokerOptions options, ILogger logger)
{
    /// <summary>
    /// Prepares the decision, then completes it. CONCURRENT_TRANSACTIONS when the prepare is durable but a
    /// marker is still missing (the timer retries), NOT_COORDINATOR when the id's partition moved away, or
    /// the error of the prepare write.
    /// </summary>
    public async Task<ErrorCode> FinishAsync(TransactionMetadata metadata, bool commit)
    {
        var error = await cache.TransitionAsync(metadata, m => m.State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort).ConfigureAwait(false);
        return error != ErrorCode.None ? error : await TryFinishAsync(metadata).ConfigureAwait(false);
    }

    /// <summary>
    /// Fences the producer of an open transaction (a new epoch) and aborts the transaction. An epoch fence
    /// that could not be written still fences in memory (CONCURRENT_TRANSACTIONS); the timer retries the abort.
    /// </summary>
    public async Task<ErrorCode> FenceAndAbortAsync(TransactionMetadata metadata)
    {
        long oldProducerId;
        lock (metadata.Gate)
        {
            oldProducerId = metadata.ProducerId;
        }

        var error = await cache.TransitionAsync(
            metadata,
            m =>
            {
                BumpEpoch(m);
                m.State = TransactionState.PrepareAbort;
            },
            applyOnFailure: true).ConfigureAwait(false);
        lock (metadata.Gate)
        {
            cache.SetProducerId(metadata, oldProducerId);
        }

        return error switch
        {
            ErrorCode.None => await TryFinishAsync(metadata).ConfigureAwait(false),
            ErrorCode.NotCoordinator => error,
            _ => ErrorCode.ConcurrentTransactions,
        };
    }

    /// <summary>
    /// Completes a prepared transaction: the markers, then Complete*. None when none is left in a prepare
    /// state; CONCURRENT_TRANSACTIONS when a marker or the Complete* write is still to be done; NOT_COORDINATOR
    /// when the id's partition is no longer served here (its new coordinator completes it).
    /// </summary>
    public async Task<ErrorCode> TryFinishAsync(TransactionMetadata metadata)
    {
        TransactionMarkers sending;
        lock (metadata.Gate)
        {
            if (metadata.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence))
            {
                return ErrorCode.None;
            }

            if (!cache.TryGetEpoch(metadata.Partition, out var coordinatorEpoch))
            {
                return ErrorCode.NotCoordinator;
            }

            var partitions = metadata.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            sending = new TransactionMarkers(metadata.ProducerId, metadata.ProducerEpoch, coordinatorEpoch, metadata.State == TransactionState.PrepareCommit, partitions);
        }

        var errors = await markers.SendAsync(sending, () => cache.Owns(metadata.Partition, sending.CoordinatorEpoch)).ConfigureAwait(false);
        var finished = true;
        lock (metadata.Gate)
        {
            for (var i = 0; i < errors.Length; i++)
            {
                if (errors[i] == ErrorCode.None)
                {
                    // Written markers are not written again on a retry.
                    metadata.Partitions.Remove(sending.Partitions[i]);
                }
                else
                {
                    logger.LogMarkerFailed(metadata.TransactionalId, sending.Partitions[i].Topic, sending.Partitions[i].Partition, errors[i]);
                    finished = false;
                }
            }
        }

        if (!cache.Owns(metadata.Partition, sending.CoordinatorEpoch) || errors.Contains(ErrorCode.TransactionCoordinatorFenced))
        {
            return ErrorCode.NotCoordinator;
        }

        if (!finished)
        {
            return ErrorCode.ConcurrentTransactions;
        }

        var error = await cache.TransitionAsync(metadata, m =>
        {
            m.State = sending.Commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
            m.StartMs = -1;
        }).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return error == ErrorCode.NotCoordinator ? error : ErrorCode.ConcurrentTransactions;
        }

        logger.LogCompleted(metadata.TransactionalId, sending.ProducerId, sending.ProducerEpoch, sending.Commit);
        return ErrorCode.None;
    }

    /// <summary>Completes a prepared transaction in the background (after a load, and from the timer), unless another change of the id runs.</summary>
    public void BackgroundTryFinish(TransactionMetadata metadata)
    {
        lock (metadata.Gate)
        {
            if (metadata.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence) || !metadata.TryClaim())
            {
                return;
            }
        }

        RunClaimed(metadata, () => TryFinishAsync(metadata));
    }

    /// <summary>Aborts transactions past their timeout (fencing the producer with an epoch bump) and retries unfinished completions, in the background.</summary>
    public void AbortTimedOutTransactions()
    {
        var now = cache.NowMs;
        foreach (var metadata in cache.Values)
        {
            lock (metadata.Gate)
            {
                if (metadata.State == TransactionState.Ongoing && metadata.StartMs >= 0 && now - metadata.StartMs > metadata.TimeoutMs && metadata.TryClaim())
                {
                    logger.LogTimedOut(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, now - metadata.StartMs);
                    RunClaimed(metadata, () => FenceAndAbortAsync(metadata));
                    continue;
                }
            }

            BackgroundTryFinish(metadata);
        }
    }

    /// <summary>
    /// Removes transactional ids with no transaction open (Empty, CompleteCommit, CompleteAbort) whose
    /// state is older than transactional.id.expiration.ms: a tombstone in <c>__transaction_state</c>, so
    /// a reload does not bring them back, then (once it is durable) the in-memory entry. Returns how many
    /// tombstones were started.
    /// </summary>
    public int RemoveExpiredTransactionalIds()
    {
        var now = cache.NowMs;
        var removing = 0;
        foreach (var metadata in cache.Values)
        {
            lock (metadata.Gate)
            {
                if (metadata.State is not (TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort)
                    || now - metadata.LastUpdateMs <= options.TransactionalIdExpirationMs
                    || !metadata.TryClaim())
                {
                    continue;
                }
            }

            removing++;
            RunClaimed(metadata, async () =>
            {
                // Forgotten only once the tombstone is durable: otherwise the next load would resurrect the id.
                if (await cache.WriteAsync(metadata, null).ConfigureAwait(false) == ErrorCode.None)
                {
                    lock (metadata.Gate)
                    {
                        metadata.State = TransactionState.Dead;
                        cache.Remove(metadata);
                    }

                    logger.LogExpired(metadata.TransactionalId);
                }
            });
        }

        return removing;
    }

    /// <summary>The next epoch; at the end of the epoch space, a new producer id at epoch 0.</summary>
    /// <exception cref="IOException">No producer id block could be recorded.</exception>
    public void BumpEpoch(TransactionMetadata metadata)
    {
        if (metadata.ProducerId < 0 || metadata.ProducerEpoch >= short.MaxValue - 1)
        {
            metadata.ProducerId = producerIds.NextProducerId();
            metadata.ProducerEpoch = 0;
        }
        else
        {
            metadata.ProducerEpoch++;
        }
    }

    /// <summary>Runs <paramref name="work"/> on an id claimed with <see cref="TransactionMetadata.TryClaim"/> in the background and releases the claim after it.</summary>
    private static void RunClaimed(TransactionMetadata metadata, Func<Task> work)
    {
        _ = Run();

        async Task Run()
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            finally
            {
                metadata.Release();
            }
        }
    }
}
