namespace Platform.Client.Producer;

/// <summary>
/// The sender of a transactional producer: batches carry the producer id and epoch
/// <c>InitTransactions</c> got (sequences restart when an abort bumped the epoch), a partition's
/// batches wait until AddPartitionsToTxn put it in the transaction, and an abort or a failed
/// transaction fails whatever is still queued.
/// </summary>
internal sealed partial class Sender
{
    private void RunTransactional(long now, ref long nextWake)
    {
        var transactions = _transactions!;
        if (transactions.QueuedBatchFailure() is { } failure)
        {
            FailQueued(failure);
        }

        if (!transactions.TryGetProducer(out var producerId, out var epoch))
        {
            return;
        }

        if (producerId != _producerId || epoch != _producerEpoch)
        {
            // Renumbering waits until nothing numbered under the old epoch is in flight.
            if (_inFlightRequests > 0)
            {
                return;
            }

            if (_producerId >= 0)
            {
                ResetSequences();
            }

            _producerId = producerId;
            _producerEpoch = epoch;
        }

        // A finished AddPartitionsToTxn is recorded before draining, so its partitions' batches leave in
        // this pass rather than at the next timed wake; the partitions this pass found missing are sent after.
        transactions.CompleteAddPartitions(now);
        SendReady(now, ref nextWake);
        transactions.SendAddPartitions(now, ref nextWake);
    }
}
