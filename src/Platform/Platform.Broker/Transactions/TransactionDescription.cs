namespace Platform.Broker.Transactions;

/// <summary>A consistent copy of one transactional id's state, for the describe and list APIs and tools.</summary>
public sealed record TransactionDescription(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    int TimeoutMs,
    TransactionState State,
    long StartMs,
    IReadOnlyList<(string Topic, int Partition)> Partitions);
