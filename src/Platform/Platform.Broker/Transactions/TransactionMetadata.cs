namespace Platform.Broker.Transactions;

/// <summary>What the coordinator knows of one transactional id. Read and changed only under <see cref="Gate"/>.</summary>
public sealed class TransactionMetadata(string transactionalId, int partition)
{
    public Lock Gate { get; } = new();

    public string TransactionalId { get; } = transactionalId;

    /// <summary>The <c>__transaction_state</c> partition the id hashes to.</summary>
    public int Partition { get; } = partition;

    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    public int TimeoutMs { get; set; }

    public TransactionState State { get; set; } = TransactionState.Empty;

    public HashSet<(string Topic, int Partition)> Partitions { get; } = [];

    public long StartMs { get; set; } = -1;

    public long LastUpdateMs { get; set; }

    /// <summary>
    /// Set while a change of this id is being written (or a transaction completed) without the gate
    /// held: other changes answer CONCURRENT_TRANSACTIONS, as Kafka does for a pending transition.
    /// </summary>
    internal bool Busy { get; set; }

    /// <summary>Claims the id for a change written without the gate held; false if another one runs. The caller holds the gate.</summary>
    internal bool TryClaim()
    {
        if (Busy)
        {
            return false;
        }

        Busy = true;
        return true;
    }

    /// <summary>Ends the claim of <see cref="TryClaim"/>.</summary>
    internal void Release()
    {
        lock (Gate)
        {
            Busy = false;
        }
    }

    internal TransactionSnapshot Snapshot() => new(ProducerId, ProducerEpoch, TimeoutMs, State, [.. Partitions], LastUpdateMs, StartMs);

    internal void Restore(TransactionSnapshot value)
    {
        ProducerId = value.ProducerId;
        ProducerEpoch = value.ProducerEpoch;
        TimeoutMs = value.TimeoutMs;
        State = value.State;
        Partitions.Clear();
        Partitions.UnionWith(value.Partitions);
        LastUpdateMs = value.LastUpdateMs;
        StartMs = value.StartMs;
    }
}
