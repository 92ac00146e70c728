namespace Platform.Client.Producer;

/// <summary>The client side of a transactional producer, as in the Java client's TransactionManager.</summary>
internal enum TransactionState
{
    /// <summary>Built; <c>InitTransactions</c> not called yet.</summary>
    Uninitialized,

    /// <summary><c>InitTransactions</c> is running (or timed out and may be called again).</summary>
    Initializing,

    /// <summary>Between transactions: <c>BeginTransaction</c> may be called.</summary>
    Ready,

    /// <summary>Records and offsets may be added.</summary>
    InTransaction,

    /// <summary><c>CommitTransaction</c> is running (or timed out and may be called again).</summary>
    CommittingTransaction,

    /// <summary><c>AbortTransaction</c> is running (or timed out and may be called again).</summary>
    AbortingTransaction,

    /// <summary>Something in the transaction failed: only <c>AbortTransaction</c> is allowed.</summary>
    AbortableError,

    /// <summary>Fenced or otherwise unusable: only disposing is left.</summary>
    FatalError,
}
