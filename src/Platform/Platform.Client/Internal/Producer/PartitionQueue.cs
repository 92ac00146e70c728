namespace Platform.Client.Internal.Producer;

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

    /// <summary>Creation counter of this partition's batches (under <see cref="Lock"/>).</summary>
    public long NextBatchSequence { get; set; }

    /// <summary>Batches of this partition in flight (sender thread only).</summary>
    public int InFlight { get; set; }

    /// <summary>Idempotence: the next sequence number to give a batch (sender thread only).</summary>
    public int NextProducerSequence { get; set; }

    /// <summary>Transactions: the number of the transaction this partition joined (sender thread only).</summary>
    public int AddedToTransaction { get; set; }

    /// <summary>Transactions: the transaction this partition waits to join (sender thread only).</summary>
    public int PendingTransaction { get; set; }

    /// <summary>Puts a batch back for a retry, before every batch created after it.</summary>
    public void Reenqueue(ProducerBatch batch)
    {
        lock (Lock)
        {
            var index = 0;
            while (index < Batches.Count && Batches[index].Sequence < batch.Sequence)
            {
                index++;
            }

            Batches.Insert(index, batch);
        }
    }
}
