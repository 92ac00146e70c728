namespace Platform.Streams;

/// <summary>
/// An interactive query cannot be answered here (Kafka's <c>InvalidStateStoreException</c>): no store of that name,
/// its tasks are restoring or moving (retry after the rebalance), the instance is not running, or the store is
/// of another kind than asked for.
/// </summary>
public sealed class InvalidStateStoreException : InvalidOperationException
{
    /// <summary>The exception with a message saying why.</summary>
    public InvalidStateStoreException(string message)
        : base(message)
    {
    }
}
