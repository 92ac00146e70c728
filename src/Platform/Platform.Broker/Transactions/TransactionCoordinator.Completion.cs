using Platform.Broker.Groups;
using Platform.Protocol;
using Platform.Storage;

namespace Platform.Broker.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>
    /// Writes Prepare*, the markers, then Complete*; under the gate. Returns CONCURRENT_TRANSACTIONS when
    /// the prepare is durable but a marker failed (the timer retries), or the error of the prepare write.
    /// </summary>
    private ErrorCode Finish(TransactionMetadata metadata, bool commit)
    {
        var before = metadata.Snapshot();
        metadata.State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort;
        var error = Persist(metadata, before);
        if (error != ErrorCode.None)
        {
            if (before.State == TransactionState.Ongoing)
            {
                return error;
            }

            // An epoch fence that could not be written still fences in memory; the timer retries the abort.
            metadata.State = TransactionState.PrepareAbort;
            return ErrorCode.ConcurrentTransactions;
        }

        return TryFinish(metadata) ? ErrorCode.None : ErrorCode.ConcurrentTransactions;
    }

    /// <summary>Completes a prepared transaction (markers, then Complete*); true when none is left in a prepare state.</summary>
    private bool TryFinish(TransactionMetadata metadata)
    {
        if (metadata.State is not (TransactionState.PrepareCommit or TransactionState.PrepareAbort or TransactionState.PrepareEpochFence))
        {
            return true;
        }

        var commit = metadata.State == TransactionState.PrepareCommit;
        foreach (var (topic, partition) in metadata.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList())
        {
            var error = WriteMarker(topic, partition, metadata.ProducerId, metadata.ProducerEpoch, CoordinatorEpoch, commit);
            if (error != ErrorCode.None)
            {
                LogMarkerFailed(metadata.TransactionalId, topic, partition, error);
                return false;
            }

            // Written markers are not written again on a retry.
            metadata.Partitions.Remove((topic, partition));
        }

        var before = metadata.Snapshot();
        metadata.State = commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort;
        metadata.StartMs = -1;
        if (Persist(metadata, before) != ErrorCode.None)
        {
            return false;
        }

        LogCompleted(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, commit);
        return true;
    }

    /// <summary>
    /// Writes one COMMIT/ABORT marker (EndTxn in-process, WriteTxnMarkers on the wire). A partition that is
    /// gone or already has a newer epoch needs no marker: both answer success so nothing hangs.
    /// </summary>
    public ErrorCode WriteMarker(string topic, int partition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit)
    {
        try
        {
            if (topic == GroupCoordinator.TopicName)
            {
                var error = _groups.CompleteTransactionAsync(partition, producerId, producerEpoch, coordinatorEpoch, commit).GetAwaiter().GetResult();
                return error is ErrorCode.UnknownTopicOrPartition or ErrorCode.InvalidProducerEpoch ? ErrorCode.None : error;
            }

            _topics.GetPartition(topic, partition)?.AppendMarker(producerId, producerEpoch, coordinatorEpoch, commit);
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

    /// <summary>Aborts transactions past their timeout (fencing the producer with an epoch bump) and retries unfinished completions.</summary>
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
                if (metadata.State == TransactionState.Ongoing && metadata.StartMs >= 0 && now - metadata.StartMs > metadata.TimeoutMs)
                {
                    LogTimedOut(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, now - metadata.StartMs);
                    BumpEpoch(metadata);
                    _byProducerId[metadata.ProducerId] = metadata;
                    metadata.State = TransactionState.PrepareEpochFence;
                    Finish(metadata, commit: false);
                }
                else
                {
                    TryFinish(metadata);
                }
            }
        }
    }

    /// <summary>
    /// Removes transactional ids with no transaction open (Empty, CompleteCommit, CompleteAbort) whose
    /// state is older than transactional.id.expiration.ms: a tombstone in <c>__transaction_state</c>, so
    /// a restart does not bring them back, then the in-memory entry. Returns how many went.
    /// </summary>
    internal int RemoveExpiredTransactionalIds()
    {
        if (!_active)
        {
            return 0;
        }

        var now = NowMs;
        var removed = 0;
        foreach (var metadata in _transactions.Values)
        {
            lock (metadata.Gate)
            {
                if (metadata.State is not (TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort)
                    || now - metadata.LastUpdateMs <= _options.TransactionalIdExpirationMs)
                {
                    continue;
                }

                // Only once the tombstone is written: otherwise the next load would resurrect the id.
                if (WriteAndWait(metadata.Partition, [(TransactionLogRecords.SerializeKey(metadata.TransactionalId), null)]) == ErrorCode.None)
                {
                    metadata.State = TransactionState.Dead;
                    _transactions.TryRemove(new KeyValuePair<string, TransactionMetadata>(metadata.TransactionalId, metadata));
                    _byProducerId.TryRemove(new KeyValuePair<long, TransactionMetadata>(metadata.ProducerId, metadata));
                    LogExpired(metadata.TransactionalId);
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>Writes the metadata's state; on failure puts <paramref name="before"/> back and answers what the client retries on.</summary>
    private ErrorCode Persist(TransactionMetadata metadata, TransactionSnapshot before)
    {
        metadata.LastUpdateMs = NowMs;
        var record = (TransactionLogRecords.SerializeKey(metadata.TransactionalId), (byte[]?)TransactionLogRecords.SerializeValue(metadata.Snapshot()));
        var error = WriteAndWait(metadata.Partition, [record]);
        if (error == ErrorCode.None)
        {
            return ErrorCode.None;
        }

        metadata.Restore(before);
        return ErrorCode.CoordinatorNotAvailable;
    }

    private ErrorCode WriteAndWait(int partition, IReadOnlyList<(byte[] Key, byte[]? Value)> records)
    {
        var done = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.Write(partition, records, error => done.TrySetResult(error));
        return done.Task.GetAwaiter().GetResult();
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
