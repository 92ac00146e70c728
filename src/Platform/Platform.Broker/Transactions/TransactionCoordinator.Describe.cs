using Platform.Protocol;

namespace Platform.Broker.Transactions;

public sealed partial class TransactionCoordinator
{
    /// <summary>The coordinator's clock in Unix milliseconds (what transaction start times are measured in).</summary>
    public long CurrentTimeMs => NowMs;

    /// <summary>Whether the coordinator can answer describe and list requests: started, and not stopping.</summary>
    public ErrorCode DescribeError => _active ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;

    /// <summary>A copy of <paramref name="transactionalId"/>'s state taken under its gate, or null when the id is unknown.</summary>
    public TransactionDescription? Describe(string transactionalId)
        => _transactions.TryGetValue(transactionalId, out var metadata) ? Describe(metadata) : null;

    /// <summary>Copies of every known transactional id's state, ordered by id.</summary>
    public IReadOnlyList<TransactionDescription> DescribeAll()
        => [.. _transactions.Values.Select(Describe).Where(d => d.State != TransactionState.Dead).OrderBy(d => d.TransactionalId, StringComparer.Ordinal)];

    private static TransactionDescription Describe(TransactionMetadata metadata)
    {
        lock (metadata.Gate)
        {
            var partitions = metadata.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            return new TransactionDescription(metadata.TransactionalId, metadata.ProducerId, metadata.ProducerEpoch, metadata.TimeoutMs, metadata.State, metadata.StartMs, partitions);
        }
    }
}
