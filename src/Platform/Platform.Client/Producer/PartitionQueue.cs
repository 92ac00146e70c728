namespace Platform.Client.Producer;

/// <summary>
/// One partition's batches waiting to be sent, oldest first (retries are put back in creation
/// order), and the partition's sending state. Producers append under its lock; the sender drains.
/// </summary>
internal sealed class PartitionQueue(string topic, int partition)
{
    public readonly List<ProducerBatch> Batches = [];

    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    /// <summary>The lock producers and the sender take around <see cref="Batches"/>.</summary>
    public Lock Lock { get; } = new();

    /// <summary>Records appended to this partition, ever (written under <see cref="Lock"/>).</summary>
    public long Appended;

    /// <summary>Creation counter of this partition's batches (under <see cref="Lock"/>).</summary>
    public long NextBatchSequence { get; set; }

    /// <summary>
    /// The sender cannot send this partition's next batch before an answer arrives (its broker has
    /// <c>max.in.flight.requests.per.connection</c> requests out, or the partition waits for its one
    /// batch in flight), and that answer will wake it: a new batch need not (a thread hand-off per batch).
    /// Written by the sender before it looks at <see cref="Batches"/> under <see cref="Lock"/>; read by
    /// producers after they appended under it, so a batch the sender did not see finds it false or an answer pending.
    /// </summary>
    public volatile bool SendBlocked;

    /// <summary>Batches queued (not in flight) when the sender last looked, for the partitions' load (sender thread only).</summary>
    public int Queued { get; set; }

    /// <summary>Batches of this partition in flight (sender thread only).</summary>
    public int InFlight { get; set; }

    /// <summary>Idempotence: the next sequence number to give a batch (sender thread only).</summary>
    public int NextProducerSequence { get; set; }

    /// <summary>Transactions: the number of the transaction this partition joined (sender thread only).</summary>
    public int AddedToTransaction { get; set; }

    /// <summary>Transactions: the transaction this partition waits to join (sender thread only).</summary>
    public int PendingTransaction { get; set; }

    /// <summary>
    /// Idempotence: the broker acknowledged a batch of this partition under the current producer id
    /// and epoch, so it knows our sequence (sender thread only). Until then a broker that has no state
    /// for the producer would accept any sequence, so a later batch could land before an earlier one
    /// that failed (say, too large): the sender keeps one batch in flight until this is set.
    /// </summary>
    public bool SequenceConfirmed { get; set; }

    /// <summary>Puts a batch back for a retry, before every batch created after it.</summary>
    public void Reenqueue(ProducerBatch batch)
    {
        lock (Lock)
        {
            Batches.Insert(InsertionIndex(batch), batch);
        }
    }

    /// <summary>Puts the pieces of a split batch back, in their order, before every batch created after them.</summary>
    public void Reenqueue(List<ProducerBatch> pieces)
    {
        lock (Lock)
        {
            Batches.InsertRange(InsertionIndex(pieces[0]), pieces);
        }
    }

    /// <summary>Where a batch goes back: in creation order, the pieces of a split batch in record order.</summary>
    private int InsertionIndex(ProducerBatch batch)
    {
        var index = 0;
        while (index < Batches.Count
            && (Batches[index].Sequence < batch.Sequence || (Batches[index].Sequence == batch.Sequence && Batches[index].SplitOffset < batch.SplitOffset)))
        {
            index++;
        }

        return index;
    }
}
