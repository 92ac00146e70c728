namespace Platform.Broker.Transactions;

/// <summary>A transactional id's state, with the numbers Kafka stores in <c>__transaction_state</c>.</summary>
public enum TransactionState : sbyte
{
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
    PrepareEpochFence = 7,
}
