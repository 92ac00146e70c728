namespace Platform.Client;

/// <summary>
/// The current transaction cannot commit (a record was not delivered, an offset commit was refused,
/// the coordinator rejected a step): call <see cref="IProducer{TKey,TValue}.AbortTransaction(TimeSpan)"/>,
/// then start over from the last committed state. The producer itself stays usable.
/// </summary>
public sealed class KafkaTxnRequiresAbortException : KafkaException
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public KafkaTxnRequiresAbortException(Error error)
        : base(error)
    {
    }
}
