using Platform.Broker.Groups;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Writes Prepare*, the markers, then Complete*, each step once the one before is durable; the caller
    /// has claimed the id (<see cref="TryBegin"/>). Returns CONCURRENT_TRANSACTIONS when the prepare is
    /// durable but a marker failed (the timer retries), or the error of the prepare write.
    /// </summary>
    private async Task<ErrorCode> FinishAsync(TransactionMetadata metadata, bool commit)
    {
        var error = await TransitionAsync(metadata, m => m.State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return error;
        }

        return await TryFinishAsync(metadata).ConfigureAwait(false) ? ErrorCode.None : ErrorCode.ConcurrentTransactions;
    }

    /// <summary>
    /// Fences the producer of an open transaction (a new epoch) and aborts the transaction. An epoch fence
    /// that could not be written still fences in memory (CONCURRENT_TRANSACTIONS); the timer retries the abort.
    /// </summary>
    private async Task<ErrorCode> FenceAndAbortAsync(TransactionMetadata metadata)
    {
        var error = await TransitionAsync(
            metadata,
            m =>
            {
                BumpEpoch(m);
                m.State = TransactionState.PrepareAbort;
            },
            applyOnFailure: true).ConfigureAwait(false);
        lock (metadata.Gate)
        {
            _byProducerId[metadata.ProducerId] = metadata;
        }

        if (error != ErrorCode.None)
        {
            return ErrorCode.ConcurrentTransactions;
        }

        return await TryFinishAsync(metadata).ConfigureAwait(false) ? ErrorCode.None : ErrorCode.ConcurrentTransactions;
    }

    /// <summary>
    /// Completes a prepared transaction: the markers (on every partition at once), then Complete*. True
    /// when none is left in a prepare state. The caller has claimed the id.
    /// </summary>
    private async Task<bool> TryFinishAsync(TransactionMetadata metadata)
    {
        bool commit;
        List<(string Topic, int Partition)> partitions;
        long producerId;
        short producerEpoch;
        lock (metadata.Gate)
        {
            if (metadata.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence))
            {
                return true;
            }

            commit = metadata.State == TransactionState.PrepareCommit;
            partitions = metadata.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            producerId = metadata.ProducerId;
            producerEpoch = metadata.ProducerEpoch;
        }

        var errors = await Task.WhenAll(partitions.Select(p => WriteMarkerAsync(p.Topic, p.Partition, producerId, producerEpoch, CoordinatorEpoch, commit))).ConfigureAwait(false);
        var finished = true;
        lock (metadata.Gate)
        {
            for (var i = 0; i < partitions.Count; i++)
            {
                if (errors[i] == ErrorCode.None)
                {
                    // Written markers are not written again on a retry.
                    metadata.Partitions.Remove(partitions[i]);
                }
                else
                {
                    LogMarkerFailed(metadata.TransactionalId, partitions[i].Topic, partitions[i].Partition, errors[i]);
                    finished = false;
                }
            }
        }

        if (!finished)
        {
            return false;
        }

        var error = await TransitionAsync(metadata, m =>
        {
            m.State = commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
            m.StartMs = -1;
        }).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return false;
        }

        LogCompleted(metadata.TransactionalId, producerId, producerEpoch, commit);
        return true;
    }

    /// <summary>Completes a prepared transaction in the background (at start and from the timer), unless another change of the id runs.</summary>
    private void BackgroundTryFinish(TransactionMetadata metadata)
    {
        lock (metadata.Gate)
        {
            if (metadata.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence) || !TryBegin(metadata))
            {
                return;
            }
        }

        RunClaimed(metadata, () => TryFinishAsync(metadata));
    }

    /// <summary>Runs <paramref name="work"/> on an id claimed with <see cref="TryBegin"/> in the background and releases the claim after it.</summary>
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
                End(metadata);
            }
        }
    }

    /// <summary>
    /// Writes one COMMIT/ABORT marker (EndTxn in-process, WriteTxnMarkers on the wire), completing once it
    /// is durable. A partition that is gone or already has a newer epoch needs no marker: both answer
    /// success so nothing hangs.
    /// </summary>
    public async Task<ErrorCode> WriteMarkerAsync(string topic, int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        if (topic == GroupCoordinator.TopicName)
        {
            var error = await _groups.CompleteTransactionAsync(partition, producerId, producerEpoch, coordinatorEpoch, commit).ConfigureAwait(false);
            return error is ErrorCode.UnknownTopicOrPartition or ErrorCode.InvalidProducerEpoch ? ErrorCode.None : error;
        }

        try
        {
            if (_topics.GetPartition(topic, partition) is { } target)
            {
                await target.WhenAcknowledgeable(target.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit)).ConfigureAwait(false);
            }

            return ErrorCode.None;
        }
        catch (LogException e) when (e.ErrorCode is ErrorCode.InvalidProducerEpoch)
        {
            return ErrorCode.None;
        }
        catch (LogException e)
        {
            return e.ErrorCode == ErrorCode.None ? ErrorCode.KafkaStorageError : e.ErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return ErrorCode.NotLeaderOrFollower;
        }
    }

    /// <summary>Aborts transactions past their timeout (fencing the producer with an epoch bump) and retries unfinished completions, in the background.</summary>
    internal void AbortTimedOutTransactions()
    {
        if (!_active)
        {
            return;
        }

        var now = NowMs;
        foreach (var metadata in _transactions.Values)
        {
            lock (metadata.Gate)
            {
                if (metadata.State == TransactionState.Ongoing && metadata.StartMs >= 0 && now - metadata.StartMs > metadata.TimeoutMs && TryBegin(metadata))
                {
                    LogTimedOut(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, now - metadata.StartMs);
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
    /// a restart does not bring them back, then (once it is durable) the in-memory entry. Returns how many
    /// tombstones were started.
    /// </summary>
    internal int RemoveExpiredTransactionalIds()
    {
        if (!_active)
        {
            return 0;
        }

        var now = NowMs;
        var removing = 0;
        foreach (var metadata in _transactions.Values)
        {
            lock (metadata.Gate)
            {
                if (metadata.State is not (TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort)
                    || now - metadata.LastUpdateMs <= _options.TransactionalIdExpirationMs
                    || !TryBegin(metadata))
                {
                    continue;
                }
            }

            removing++;
            // Forgotten only once the tombstone is durable: otherwise the next load would resurrect the id.
            _store.Write(metadata.Partition, [(TransactionLogRecords.SerializeKey(metadata.TransactionalId), null)], error =>
            {
                lock (metadata.Gate)
                {
                    metadata.Busy = false;
                    if (error == ErrorCode.None)
                    {
                        metadata.State = TransactionState.Dead;
                        _transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(metadata.TransactionalId, metadata));
                        _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(metadata.ProducerId, metadata));
                        LogExpired(metadata.TransactionalId);
                    }
                }
            });
        }

        return removing;
    }

    /// <summary>
    /// Changes the metadata as <paramref name="change"/> does once the new state is durable in
    /// <c>__transaction_state</c>: until then readers see the old state (and on failure it stays, unless
    /// <paramref name="applyOnFailure"/>); a failure answers COORDINATOR_NOT_AVAILABLE, which the client
    /// retries. The caller has claimed the id, so no other change interleaves.
    /// </summary>
    private async Task<ErrorCode> TransitionAsync(TransactionMetadata metadata, Action<TransactionMetadata> change, bool applyOnFailure = false)
    {
        TransactionSnapshot after;
        lock (metadata.Gate)
        {
            var before = metadata.Snapshot();
            try
            {
                change(metadata);
                metadata.LastUpdateMs = NowMs;
                after = metadata.Snapshot();
            }
            finally
            {
                metadata.Restore(before);
            }
        }

        var done = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.Write(metadata.Partition, [(TransactionLogRecords.SerializeKey(metadata.TransactionalId), TransactionLogRecords.SerializeValue(after))], error => done.TrySetResult(error));
        var error = await done.Task.ConfigureAwait(false);
        lock (metadata.Gate)
        {
            if (error == ErrorCode.None || applyOnFailure)
            {
                metadata.Restore(after);
            }
        }

        return error == ErrorCode.None ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
    }

    /// <summary>Rebuilds the transactional ids of one partition: the last record of each id wins, a tombstone removes it.</summary>
    private void LoadPartition(int partition)
    {
        var values = new Dictionary<string, TransactionSnapshot?>(StringComparer.Ordinal);
        _store.Replay(partition, (key, value, _) =>
        {
            try
            {
                if (TransactionLogRecords.ReadKey(key) is { } id)
                {
                    values[id] = value is { } bytes ? TransactionLogRecords.ReadValue(bytes) : null;
                }
            }
            catch (ProtocolException)
            {
                LogSkippedRecord(partition);
            }
        });

        foreach (var (id, value) in values)
        {
            if (value is null)
            {
                continue;
            }

            var metadata = new TransactionMetadata(id, partition);
            metadata.Restore(value);
            _transactions[id] = metadata;
            _byProducerId[metadata.ProducerId] = metadata;
        }
    }
}
